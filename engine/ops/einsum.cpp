// einsum, as torch.einsum: labels a-z and A-Z, one "..." per term (broadcast dims), repeated
// labels in a term (diagonals), an explicit output after "->" or the implicit one (the "..."
// dims, then the labels that appear once, alphabetically).
//
// How it runs (the plan of PyTorch's einsum): every operand is brought to one aligned layout —
// the "..." dims, then one slot per label — by diagonal (repeated labels), permute and
// reshape, all views. Labels that occur in one operand only and not in the output are summed
// there. Then operands are contracted a pair at a time (greedily, the pair with the smallest
// result first): the dims of the pair are sorted into batch dims (in both, kept), left-only,
// right-only and contracted ones, and the pair becomes one matmul of [batch, left, sum] by
// [batch, sum, right] — reshapes of permuted views, so "bij,bjk->bik", "ij,jk->ik" and
// "bhqd,bhkd->bhqk" reach the GEMM without a copy. A pair with nothing to contract is an
// outer product when each operand has a dim the other lacks ("i,j->ij"): a matmul with inner
// size 1; otherwise a broadcast multiply ("ij,ij->ij"). Everything is made of differentiable ops,
// so the gradient (of any order) of any equation comes from theirs.
#include <algorithm>
#include <array>
#include <numeric>

#include <paragrad/engine/autograd/function.hpp>

namespace paragrad {

namespace {

constexpr int kLabels = 52;
constexpr const char* kOp = "einsum";

int label_id(char c) { return c >= 'A' && c <= 'Z' ? c - 'A' : c - 'a' + 26; }
char label_char(int id) { return char(id < 26 ? 'A' + id : 'a' + id - 26); }
bool is_label(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

struct Term {
  std::vector<int> labels;  // in order; -1 marks where "..." stands
  bool ellipsis = false;
};

// A term's text (spaces removed) into labels; `at` is its offset in the equation.
Term parse_term(const std::string& s, size_t at, const std::string& what) {
  Term t;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '.') {
      check<ValueError>(s.compare(i, 3, "...") == 0, kOp, ": invalid '.' at index ", at + i,
                        " in the equation (", what, "): an ellipsis is written '...'");
      check<ValueError>(!t.ellipsis, kOp, ": more than one ellipsis in ", what);
      t.ellipsis = true;
      t.labels.push_back(-1);
      i += 2;
      continue;
    }
    check<ValueError>(is_label(c), kOp, ": invalid subscript '", c, "' at index ", at + i,
                      " in the equation; subscripts must be in [a-zA-Z]");
    t.labels.push_back(label_id(c));
  }
  return t;
}

// One operand in the aligned layout: n_ell "..." slots, then one slot per label id.
struct Aligned {
  Tensor t;
  std::vector<bool> has;  // slots this operand really has (not padding)
};

// permute and reshape that record nothing when there is nothing to do (einsum's per-call
// overhead is a handful of such views).
Tensor permuted(const Tensor& t, const Shape& perm) {
  for (size_t i = 0; i < perm.size(); ++i)
    if (perm[i] != int64_t(i)) return t.permute(perm);
  return t;
}
Tensor reshaped(const Tensor& t, const Shape& shape) {
  if (t.sizes().size() == shape.size() && std::equal(shape.begin(), shape.end(), t.sizes().begin()))
    return t;
  return t.reshape(shape);
}

Tensor sum_slots(const Tensor& t, const std::vector<int64_t>& slots) {
  if (slots.empty()) return t;
  return t.sum(Shape(slots.begin(), slots.end()), true);
}

// a · b with the slots `sum` contracted; both are aligned (same rank, dims equal or 1).
Tensor contract_pair(Tensor a, Tensor b, const std::vector<bool>& sum) {
  const int64_t n = a.dim();
  Shape batch, left, right, contracted, rest;
  for (int64_t s = 0; s < n; ++s) {
    const int64_t sa = a.size(s), sb = b.size(s);
    if (sum[size_t(s)]) {
      if (sa == 1 && sb == 1) {
        rest.push_back(s);
      } else if (sa == 1) {
        b = b.sum({s}, true);
        rest.push_back(s);
      } else if (sb == 1) {
        a = a.sum({s}, true);
        rest.push_back(s);
      } else {
        contracted.push_back(s);
      }
    } else if (sa != 1 && sb != 1) {
      batch.push_back(s);
    } else if (sa != 1) {
      left.push_back(s);
    } else if (sb != 1) {
      right.push_back(s);
    } else {
      rest.push_back(s);
    }
  }
  // Nothing to contract: an outer product (a dim only in a and one only in b, as "i,j->ij" or
  // "bi,bj->bij") is a matmul with inner size 1, so it runs on the GEMM like the contractions;
  // a pair without one (a Hadamard product "ij,ij->ij", a scaling "ij,i->ij") stays a
  // broadcast multiply, which is what such a matmul would do, one element at a time.
  if (contracted.empty() && (left.empty() || right.empty())) return a * b;
  auto product = [](const Tensor& t, const Shape& slots) {
    int64_t p = 1;
    for (int64_t s : slots) p *= t.size(s);
    return p;
  };
  auto concat = [](std::initializer_list<const Shape*> parts) {
    Shape out;
    for (const Shape* p : parts) out.insert(out.end(), p->begin(), p->end());
    return out;
  };
  const int64_t nb = product(a, batch), nl = product(a, left), nr = product(b, right),
                nk = product(a, contracted);
  const Tensor l =
      reshaped(permuted(a, concat({&batch, &left, &contracted, &right, &rest})), {nb, nl, nk});
  const Tensor r =
      reshaped(permuted(b, concat({&batch, &contracted, &right, &left, &rest})), {nb, nk, nr});
  // back to the aligned slot order, with size-1 dims where the slots were summed or absent
  const Shape order = concat({&batch, &left, &right});
  Shape sizes;
  for (int64_t s : order) sizes.push_back(a.size(s) != 1 ? a.size(s) : b.size(s));
  Tensor out = reshaped(matmul(l, r), sizes);
  Shape perm(order.size());
  std::iota(perm.begin(), perm.end(), int64_t(0));
  std::sort(perm.begin(), perm.end(),
            [&](int64_t x, int64_t y) { return order[size_t(x)] < order[size_t(y)]; });
  out = permuted(out, perm);
  Shape full(size_t(n), 1);
  for (size_t k = 0; k < order.size(); ++k) full[size_t(order[k])] = sizes[k];
  return reshaped(out, full);
}

}  // namespace

Tensor einsum(const std::string& equation, const TensorList& operands) {
  // --- parse
  std::string eq;
  for (char c : equation)
    if (c != ' ') eq.push_back(c);
  const size_t arrow = eq.find("->");
  const std::string lhs = eq.substr(0, arrow);
  std::vector<Term> terms;
  for (size_t start = 0, i = 0;; ++i) {
    if (i == lhs.size() || lhs[i] == ',') {
      terms.push_back(
          parse_term(lhs.substr(start, i - start), start, cat("operand ", terms.size())));
      start = i + 1;
      if (i == lhs.size()) break;
    }
  }
  check<ValueError>(terms.size() == operands.size(), kOp, ": the equation '", equation, "' has ",
                    terms.size(), " operand term(s) but ", operands.size(),
                    " operand(s) were given");
  check<ValueError>(!operands.empty(), kOp, ": expected at least one operand");
  for (size_t i = 0; i < operands.size(); ++i) {
    check<ValueError>(operands[i].defined(), kOp, ": operand ", i, " is undefined");
    check<DtypeError>(operands[i].dtype() == operands[0].dtype(), kOp,
                      ": operands must have one dtype, got ", dtype_name(operands[0].dtype()),
                      " (operand 0) and ", dtype_name(operands[i].dtype()), " (operand ", i, ")");
  }
  check<DtypeError>(operands[0].dtype() != kBool, kOp, ": not supported for bool tensors");

  // --- ellipsis dims and label sizes
  int64_t n_ell = 0;
  std::array<int, kLabels> label_count{};
  for (size_t i = 0; i < terms.size(); ++i) {
    const Term& t = terms[i];
    const int64_t named = int64_t(t.labels.size()) - (t.ellipsis ? 1 : 0);
    const Tensor& x = operands[i];
    if (t.ellipsis)
      check<ShapeError>(x.dim() >= named, kOp, ": operand ", i, " of shape ", shape_str(x.sizes()),
                        " has fewer dimensions than the ", named, " subscripts of its term");
    else
      check<ShapeError>(x.dim() == named, kOp, ": the number of subscripts (", named,
                        ") does not match the number of dimensions of operand ", i, " (shape ",
                        shape_str(x.sizes()), ") and no ellipsis was given");
    if (t.ellipsis) n_ell = std::max(n_ell, x.dim() - named);
    for (int l : t.labels)
      if (l >= 0) ++label_count[size_t(l)];
  }

  // --- output slots: "..." dims then labels (explicit, or implicit: once-appearing, sorted)
  std::vector<int64_t> out_slots;  // aligned slot per output dim
  std::vector<int> slot_of(kLabels, -1);
  std::vector<char> name_of_slot(size_t(n_ell), '.');
  int64_t n_slots = n_ell;
  for (const Term& t : terms)
    for (int l : t.labels)
      if (l >= 0 && slot_of[size_t(l)] < 0) {
        slot_of[size_t(l)] = int(n_slots++);
        name_of_slot.push_back(label_char(l));
      }
  if (arrow != std::string::npos) {
    const Term out = parse_term(eq.substr(arrow + 2), arrow + 2, "the output");
    std::array<bool, kLabels> seen{};
    for (int l : out.labels) {
      if (l < 0) {
        for (int64_t e = 0; e < n_ell; ++e) out_slots.push_back(e);
        continue;
      }
      check<ValueError>(!seen[size_t(l)], kOp, ": output subscript ", label_char(l),
                        " appears more than once in the output");
      check<ValueError>(label_count[size_t(l)] > 0, kOp, ": output subscript ", label_char(l),
                        " does not appear in the equation for any input operand");
      seen[size_t(l)] = true;
      out_slots.push_back(slot_of[size_t(l)]);
    }
  } else {
    for (int64_t e = 0; e < n_ell; ++e) out_slots.push_back(e);
    for (int l = 0; l < kLabels; ++l)
      if (label_count[size_t(l)] == 1) out_slots.push_back(slot_of[size_t(l)]);
  }
  std::vector<bool> in_output(size_t(n_slots), false);
  for (int64_t s : out_slots) in_output[size_t(s)] = true;

  // --- align every operand (diagonals for repeated labels, permute, reshape)
  std::vector<Aligned> ops;
  std::vector<int64_t> slot_size(size_t(n_slots), 1);
  for (size_t i = 0; i < terms.size(); ++i) {
    const Term& term = terms[i];
    Tensor x = operands[i];
    const int64_t named = int64_t(term.labels.size()) - (term.ellipsis ? 1 : 0);
    const int64_t e_here = term.ellipsis ? x.dim() - named : 0;
    // slot of each dim of x
    std::vector<int64_t> dim_slot;
    for (int l : term.labels) {
      if (l < 0)
        for (int64_t e = 0; e < e_here; ++e) dim_slot.push_back(n_ell - e_here + e);
      else
        dim_slot.push_back(slot_of[size_t(l)]);
    }
    // repeated labels: take the diagonal (it moves to the end)
    for (bool again = true; again;) {
      again = false;
      for (size_t p = 0; p < dim_slot.size() && !again; ++p)
        for (size_t q = p + 1; q < dim_slot.size() && !again; ++q)
          if (dim_slot[p] == dim_slot[q] && dim_slot[p] >= n_ell) {
            check<ShapeError>(x.size(int64_t(p)) == x.size(int64_t(q)), kOp, ": subscript ",
                              name_of_slot[size_t(dim_slot[p])], " is repeated for operand ", i,
                              " but the sizes don't match, ", x.size(int64_t(p)),
                              " != ", x.size(int64_t(q)), " (shape ",
                              shape_str(operands[i].sizes()), ")");
            x = x.diagonal(0, int64_t(p), int64_t(q));
            const int64_t s = dim_slot[p];
            dim_slot.erase(dim_slot.begin() + int64_t(q));
            dim_slot.erase(dim_slot.begin() + int64_t(p));
            dim_slot.push_back(s);
            again = true;
          }
    }
    Shape perm(dim_slot.size());
    std::iota(perm.begin(), perm.end(), int64_t(0));
    std::sort(perm.begin(), perm.end(),
              [&](int64_t a, int64_t b) { return dim_slot[size_t(a)] < dim_slot[size_t(b)]; });
    Shape shape(size_t(n_slots), 1);
    Aligned a;
    a.has.assign(size_t(n_slots), false);
    for (size_t k = 0; k < dim_slot.size(); ++k) {
      const int64_t s = dim_slot[k], size = x.size(int64_t(k));
      shape[size_t(s)] = size;
      a.has[size_t(s)] = true;
      if (size == 1) continue;
      const bool broadcasts = slot_size[size_t(s)] == 1 || slot_size[size_t(s)] == size;
      if (s < n_ell)
        check<ShapeError>(broadcasts, kOp,
                          ": the dimensions covered by '...' do not broadcast: ", "operand ", i,
                          " has shape ", shape_str(operands[i].sizes()));
      else
        check<ShapeError>(broadcasts, kOp, ": subscript ", name_of_slot[size_t(s)], " has size ",
                          size, " for operand ", i,
                          " which does not broadcast with previously seen size ",
                          slot_size[size_t(s)]);
      slot_size[size_t(s)] = size;
    }
    a.t = reshaped(permuted(x, perm), shape);
    ops.push_back(std::move(a));
  }

  // --- sum the slots only one operand has (and the output lacks), then contract pairs
  auto needed_elsewhere = [&](size_t self, size_t other, int64_t s) {
    if (in_output[size_t(s)]) return true;
    for (size_t j = 0; j < ops.size(); ++j)
      if (j != self && j != other && ops[j].has[size_t(s)]) return true;
    return false;
  };
  for (size_t i = 0; i < ops.size(); ++i) {
    std::vector<int64_t> alone;
    for (int64_t s = 0; s < n_slots; ++s)
      if (ops[i].has[size_t(s)] && !needed_elsewhere(i, i, s)) {
        alone.push_back(s);
        ops[i].has[size_t(s)] = false;
      }
    ops[i].t = sum_slots(ops[i].t, alone);
  }
  while (ops.size() > 1) {
    // the pair whose result is smallest (ties: the leftmost)
    size_t bi = 0, bj = 1;
    double best = -1;
    for (size_t i = 0; i < ops.size(); ++i)
      for (size_t j = i + 1; j < ops.size(); ++j) {
        double size = 1;
        for (int64_t s = 0; s < n_slots; ++s)
          if ((ops[i].has[size_t(s)] || ops[j].has[size_t(s)]) && needed_elsewhere(i, j, s))
            size *= double(std::max(ops[i].t.size(s), ops[j].t.size(s)));
        if (best < 0 || size < best) {
          best = size;
          bi = i;
          bj = j;
        }
      }
    std::vector<bool> sum(size_t(n_slots), false);
    Aligned merged;
    merged.has.assign(size_t(n_slots), false);
    for (int64_t s = 0; s < n_slots; ++s) {
      const bool any = ops[bi].has[size_t(s)] || ops[bj].has[size_t(s)];
      sum[size_t(s)] = !needed_elsewhere(bi, bj, s);
      merged.has[size_t(s)] = any && !sum[size_t(s)];
    }
    merged.t = contract_pair(ops[bi].t, ops[bj].t, sum);
    ops.erase(ops.begin() + int64_t(bj));
    ops[bi] = std::move(merged);
  }

  // --- the output: sum what is left over, then permute and drop the size-1 slots
  Tensor r = ops[0].t;
  std::vector<int64_t> rest;
  for (int64_t s = 0; s < n_slots; ++s)
    if (!in_output[size_t(s)] && r.size(s) != 1) rest.push_back(s);
  r = sum_slots(r, rest);
  Shape perm(out_slots.begin(), out_slots.end()), out_shape;
  for (int64_t s = 0; s < n_slots; ++s)
    if (!in_output[size_t(s)]) perm.push_back(s);
  for (int64_t s : out_slots) out_shape.push_back(r.size(s));
  return reshaped(permuted(r, perm), out_shape);
}

}  // namespace paragrad
