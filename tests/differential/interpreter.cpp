// The differential test's interpreter: op table, execution, comparison (see interpreter.hpp).
#include "differential/interpreter.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include <paragrad/engine/autograd/engine.hpp>
#include <paragrad/engine/autograd/grad_mode.hpp>
#include <paragrad/engine/error.hpp>
#include <paragrad/linalg/linalg.hpp>

namespace paragrad::differential {
namespace {

const std::string& attr(const Attrs& a, const std::string& key) {
  const auto it = a.find(key);
  if (it == a.end()) throw ValueError(cat("differential op: missing attribute '", key, "'"));
  return it->second;
}

int64_t int_attr(const Attrs& a, const std::string& key) {
  const std::string& s = attr(a, key);
  char* end = nullptr;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || end != s.c_str() + s.size())
    throw ValueError(cat("differential op: attribute ", key, "='", s, "' is not an integer"));
  return static_cast<int64_t>(v);
}

double double_attr(const Attrs& a, const std::string& key) {
  const std::string& s = attr(a, key);
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size())
    throw ValueError(cat("differential op: attribute ", key, "='", s, "' is not a number"));
  return v;
}

bool bool_attr(const Attrs& a, const std::string& key) { return int_attr(a, key) != 0; }

Shape dims_attr(const Attrs& a, const std::string& key = "dims") {
  Shape out;
  std::string s = attr(a, key);
  std::stringstream ss(s);
  std::string part;
  while (std::getline(ss, part, ',')) {
    char* end = nullptr;
    const long long v = std::strtoll(part.c_str(), &end, 10);
    if (part.empty() || end != part.c_str() + part.size())
      throw ValueError(
          cat("differential op: attribute ", key, "='", s, "' is not a list of integers"));
    out.push_back(static_cast<int64_t>(v));
  }
  return out;
}

using Args = std::vector<Tensor>;

OpSpec unary(Tensor (*f)(const Tensor&)) {
  return {1, false, [f](const Args& x, const Attrs&) { return f(x[0]); }};
}
OpSpec binary(Tensor (*f)(const Tensor&, const Tensor&)) {
  return {2, false, [f](const Args& x, const Attrs&) { return f(x[0], x[1]); }};
}
OpSpec with_attrs(size_t arity, std::function<Tensor(const Args&, const Attrs&)> f) {
  return {arity, false, std::move(f)};
}
// An op that writes operand 0 (through a handle sharing its tensor) and returns it.
using Write = void (*)(Tensor&, const Args&, const Attrs&);
OpSpec in_place(size_t arity, Write write) {
  return {arity, true, [write](const Args& x, const Attrs& a) {
            Tensor b = x[0];
            write(b, x, a);
            return b;
          }};
}

// Operands from `from` on as an index list, after `lead` full slices (attribute, default 0).
TensorList index_list(const Args& x, size_t from, const Attrs& a) {
  const int64_t lead = a.count("lead") ? int_attr(a, "lead") : 0;
  if (lead < 0 || lead > 8) throw ValueError(cat("differential op: lead=", lead, " out of range"));
  TensorList out(static_cast<size_t>(lead));
  out.insert(out.end(), x.begin() + static_cast<std::ptrdiff_t>(from), x.end());
  return out;
}

std::tuple<Tensor, Tensor, Tensor> svd_attr(const Tensor& A, const Attrs& a) {
  return linalg::svd(A, bool_attr(a, "full"));
}

std::map<std::string, OpSpec> make_table() {
  std::map<std::string, OpSpec> t;
  // elementwise unary
  t.emplace("neg", unary([](const Tensor& x) { return x.neg(); }));
  t.emplace("exp", unary([](const Tensor& x) { return x.exp(); }));
  t.emplace("log", unary([](const Tensor& x) { return x.log(); }));
  t.emplace("sqrt", unary([](const Tensor& x) { return x.sqrt(); }));
  t.emplace("abs", unary([](const Tensor& x) { return x.abs(); }));
  t.emplace("sin", unary([](const Tensor& x) { return x.sin(); }));
  t.emplace("cos", unary([](const Tensor& x) { return x.cos(); }));
  t.emplace("tanh", unary([](const Tensor& x) { return x.tanh(); }));
  t.emplace("sigmoid", unary([](const Tensor& x) { return x.sigmoid(); }));
  t.emplace("relu", unary([](const Tensor& x) { return x.relu(); }));
  t.emplace("square", unary([](const Tensor& x) { return x.square(); }));
  t.emplace("reciprocal", unary([](const Tensor& x) { return x.reciprocal(); }));
  t.emplace("log1p", unary([](const Tensor& x) { return x.log1p(); }));
  t.emplace("expm1", unary([](const Tensor& x) { return x.expm1(); }));
  t.emplace("atan", unary([](const Tensor& x) { return x.atan(); }));
  t.emplace("erf", unary([](const Tensor& x) { return x.erf(); }));
  t.emplace("rsqrt", unary([](const Tensor& x) { return x.rsqrt(); }));
  t.emplace("pow", with_attrs(1, [](const Args& x, const Attrs& a) {
              return x[0].pow(double_attr(a, "p"));
            }));
  t.emplace("clamp", with_attrs(1, [](const Args& x, const Attrs& a) {
              return x[0].clamp(double_attr(a, "lo"), double_attr(a, "hi"));
            }));
  // elementwise binary, broadcasting
  t.emplace("add", binary([](const Tensor& x, const Tensor& y) { return x + y; }));
  t.emplace("sub", binary([](const Tensor& x, const Tensor& y) { return x - y; }));
  t.emplace("mul", binary([](const Tensor& x, const Tensor& y) { return x * y; }));
  t.emplace("div", binary([](const Tensor& x, const Tensor& y) { return x / y; }));
  t.emplace("maximum", binary([](const Tensor& x, const Tensor& y) { return maximum(x, y); }));
  t.emplace("minimum", binary([](const Tensor& x, const Tensor& y) { return minimum(x, y); }));
  t.emplace("atan2", binary([](const Tensor& x, const Tensor& y) { return atan2(x, y); }));
  // reductions and scans
  t.emplace("sum", with_attrs(1, [](const Args& x, const Attrs& a) {
              return attr(a, "dims").empty() ? x[0].sum()
                                             : x[0].sum(dims_attr(a), bool_attr(a, "keepdim"));
            }));
  t.emplace("mean", with_attrs(1, [](const Args& x, const Attrs& a) {
              return attr(a, "dims").empty() ? x[0].mean()
                                             : x[0].mean(dims_attr(a), bool_attr(a, "keepdim"));
            }));
  t.emplace("amax", with_attrs(1, [](const Args& x, const Attrs& a) {
              return x[0].amax(dims_attr(a), bool_attr(a, "keepdim"));
            }));
  t.emplace("amin", with_attrs(1, [](const Args& x, const Attrs& a) {
              return x[0].amin(dims_attr(a), bool_attr(a, "keepdim"));
            }));
  t.emplace("logsumexp", with_attrs(1, [](const Args& x, const Attrs& a) {
              return x[0].logsumexp(dims_attr(a), bool_attr(a, "keepdim"));
            }));
  t.emplace("var", with_attrs(1, [](const Args& x, const Attrs& a) {
              return x[0].var(dims_attr(a), bool_attr(a, "unbiased"), bool_attr(a, "keepdim"));
            }));
  t.emplace("prod", with_attrs(1, [](const Args& x, const Attrs& a) {
              return x[0].prod(int_attr(a, "dim"), bool_attr(a, "keepdim"));
            }));
  t.emplace("prod_all", unary([](const Tensor& x) { return x.prod(); }));
  t.emplace("norm", unary([](const Tensor& x) { return x.norm(); }));
  t.emplace("cumsum", with_attrs(1, [](const Args& x, const Attrs& a) {
              return x[0].cumsum(int_attr(a, "dim"));
            }));
  t.emplace("cumprod", with_attrs(1, [](const Args& x, const Attrs& a) {
              return x[0].cumprod(int_attr(a, "dim"));
            }));
  // views and shape ops
  t.emplace("transpose", with_attrs(1, [](const Args& x, const Attrs& a) {
              return x[0].transpose(int_attr(a, "d0"), int_attr(a, "d1"));
            }));
  t.emplace("narrow", with_attrs(1, [](const Args& x, const Attrs& a) {
              return x[0].narrow(int_attr(a, "dim"), int_attr(a, "start"), int_attr(a, "length"));
            }));
  t.emplace("reshape", with_attrs(1, [](const Args& x, const Attrs& a) {
              return x[0].reshape(dims_attr(a));
            }));
  t.emplace("expand",
            with_attrs(1, [](const Args& x, const Attrs& a) { return x[0].expand(dims_attr(a)); }));
  t.emplace("permute", with_attrs(1, [](const Args& x, const Attrs& a) {
              return x[0].permute(dims_attr(a));
            }));
  t.emplace("unsqueeze", with_attrs(1, [](const Args& x, const Attrs& a) {
              return x[0].unsqueeze(int_attr(a, "dim"));
            }));
  t.emplace("squeeze", with_attrs(1, [](const Args& x, const Attrs& a) {
              return x[0].squeeze(int_attr(a, "dim"));
            }));
  t.emplace("select", with_attrs(1, [](const Args& x, const Attrs& a) {
              return x[0].select(int_attr(a, "dim"), int_attr(a, "index"));
            }));
  t.emplace("flip",
            with_attrs(1, [](const Args& x, const Attrs& a) { return x[0].flip(dims_attr(a)); }));
  t.emplace("mT", unary([](const Tensor& x) { return x.mT(); }));
  // products and linalg
  t.emplace("matmul", binary([](const Tensor& x, const Tensor& y) { return matmul(x, y); }));
  t.emplace("solve", binary([](const Tensor& A, const Tensor& B) { return linalg::solve(A, B); }));
  t.emplace("inv", unary([](const Tensor& A) { return linalg::inv(A); }));
  t.emplace("det", unary([](const Tensor& A) { return linalg::det(A); }));
  t.emplace("slogdet_logabs",
            unary([](const Tensor& A) { return std::get<1>(linalg::slogdet(A)); }));
  t.emplace("cholesky", unary([](const Tensor& A) { return linalg::cholesky(A); }));
  t.emplace("qr_q", unary([](const Tensor& A) { return std::get<0>(linalg::qr(A)); }));
  t.emplace("qr_r", unary([](const Tensor& A) { return std::get<1>(linalg::qr(A)); }));
  t.emplace("eigvalsh", unary([](const Tensor& A) { return std::get<0>(linalg::eigh(A)); }));
  t.emplace("svdvals", unary([](const Tensor& A) { return linalg::svdvals(A); }));
  // in-place: operand 0 is written and returned (it, or another operand, may require grad)
  t.emplace("add_", in_place(2, [](Tensor& b, const Args& x, const Attrs& a) {
              b.add_(x[1], double_attr(a, "alpha"));
            }));
  t.emplace("mul_", in_place(1, [](Tensor& b, const Args&, const Attrs& a) {
              b.mul_(double_attr(a, "s"));
            }));
  t.emplace("fill_", in_place(1, [](Tensor& b, const Args&, const Attrs& a) {
              b.fill_(double_attr(a, "s"));
            }));
  t.emplace("copy_", in_place(2, [](Tensor& b, const Args& x, const Attrs&) { b.copy_(x[1]); }));
  t.emplace("mul_t_", in_place(2, [](Tensor& b, const Args& x, const Attrs&) { b.mul_(x[1]); }));
  t.emplace("div_", in_place(1, [](Tensor& b, const Args&, const Attrs& a) {
              b.div_(double_attr(a, "s"));
            }));
  t.emplace("clamp_", in_place(1, [](Tensor& b, const Args&, const Attrs& a) {
              b.clamp_(double_attr(a, "lo"), double_attr(a, "hi"));
            }));
  t.emplace("zero_", in_place(1, [](Tensor& b, const Args&, const Attrs&) { b.zero_(); }));
  // self, values, indices...: self[indices] = values (or +=)
  OpSpec put_ = in_place(3, [](Tensor& b, const Args& x, const Attrs& a) {
    b.index_put_(index_list(x, 2, a), x[1], bool_attr(a, "accumulate"));
  });
  put_.max_arity = 10;
  t.emplace("index_put_", put_);
  t.emplace("clone", unary([](const Tensor& x) { return x.clone(); }));
  // indexing with Int64 index tensors and Bool masks
  t.emplace("index_select", with_attrs(2, [](const Args& x, const Attrs& a) {
              return x[0].index_select(int_attr(a, "dim"), x[1]);
            }));
  t.emplace("gather", with_attrs(2, [](const Args& x, const Attrs& a) {
              return x[0].gather(int_attr(a, "dim"), x[1]);
            }));
  t.emplace("scatter_add", with_attrs(3, [](const Args& x, const Attrs& a) {
              return scatter_add(x[0], int_attr(a, "dim"), x[1], x[2]);
            }));
  t.emplace("index_add", with_attrs(3, [](const Args& x, const Attrs& a) {
              return x[0].index_add(int_attr(a, "dim"), x[1], x[2], double_attr(a, "alpha"));
            }));
  OpSpec index =
      with_attrs(2, [](const Args& x, const Attrs& a) { return x[0].index(index_list(x, 1, a)); });
  index.max_arity = 10;
  t.emplace("index", index);
  OpSpec put = with_attrs(3, [](const Args& x, const Attrs& a) {
    return x[0].index_put(index_list(x, 2, a), x[1], bool_attr(a, "accumulate"));
  });
  put.max_arity = 10;
  t.emplace("index_put", put);
  t.emplace("masked_fill", with_attrs(2, [](const Args& x, const Attrs& a) {
              return x[0].masked_fill(x[1], double_attr(a, "value"));
            }));
  t.emplace("masked_select",
            binary([](const Tensor& x, const Tensor& m) { return x.masked_select(m); }));
  t.emplace("where",
            with_attrs(3, [](const Args& x, const Attrs&) { return where(x[0], x[1], x[2]); }));
  // dtype promotion, empty tensors and shape rules (the `semantics` family)
  t.emplace("softmax", with_attrs(1, [](const Args& x, const Attrs& a) {
              return x[0].softmax(int_attr(a, "dim"));
            }));
  t.emplace("log_softmax", with_attrs(1, [](const Args& x, const Attrs& a) {
              return x[0].log_softmax(int_attr(a, "dim"));
            }));
  t.emplace("pow_t", binary([](const Tensor& x, const Tensor& e) { return x.pow(e); }));
  t.emplace("movedim", with_attrs(1, [](const Args& x, const Attrs& a) {
              return x[0].movedim(int_attr(a, "src"), int_attr(a, "dst"));
            }));
  // eigenvectors and the full SVD (the programs use them through gauge-invariant losses)
  t.emplace("eigh_v", unary([](const Tensor& A) { return std::get<1>(linalg::eigh(A)); }));
  t.emplace("svd_u", with_attrs(1, [](const Args& x, const Attrs& a) {
              return std::get<0>(svd_attr(x[0], a));
            }));
  t.emplace("svd_s", with_attrs(1, [](const Args& x, const Attrs& a) {
              return std::get<1>(svd_attr(x[0], a));
            }));
  t.emplace("svd_vh", with_attrs(1, [](const Args& x, const Attrs& a) {
              return std::get<2>(svd_attr(x[0], a));
            }));
  return t;
}

Dtype program_dtype(const Program& p) {
  for (const Step& s : p.steps)
    if (s.is_input && is_floating(s.input.dtype)) return s.input.dtype;
  return kFloat64;
}

Tensor make(const std::vector<double>& v, const Shape& shape, Dtype dtype) {
  return tensor(v, shape, dtype);
}

std::string shape_str(const Shape& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
  return r + "]";
}

struct Tolerance {
  double rtol, atol;
};

Tolerance tolerance(Dtype d) {
  return d == kFloat32 ? Tolerance{2e-4, 2e-5} : Tolerance{1e-7, 1e-9};
}

// Appends to `out` when got differs from want (scale-aware: atol grows with max|want|).
void compare(std::ostringstream& out, const std::string& what, const std::vector<double>& want,
             const std::vector<double>& got, Tolerance tol) {
  if (want.size() != got.size()) {
    out << "  " << what << ": " << got.size() << " elements, expected " << want.size() << "\n";
    return;
  }
  double scale = 1;
  for (double w : want) scale = std::max(scale, std::abs(w));
  int shown = 0, bad = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    const bool same_nonfinite = (!std::isfinite(want[i]) && want[i] == got[i]) ||
                                (std::isnan(want[i]) && std::isnan(got[i]));
    const bool ok = same_nonfinite ||
                    std::abs(want[i] - got[i]) <= tol.atol * scale + tol.rtol * std::abs(want[i]);
    if (ok) continue;  // NaN in got fails unless NaN is expected
    ++bad;
    if (shown++ < 4)
      out << "  " << what << "[" << i << "]: expected " << want[i] << ", got " << got[i] << "\n";
  }
  if (bad > 4) out << "  " << what << ": " << bad << " elements differ in all\n";
}

std::vector<double> values_or_zeros(const Tensor& g, const Tensor& like) {
  return g.defined() ? g.to(kFloat64).tolist()
                     : std::vector<double>(static_cast<size_t>(like.numel()), 0.0);
}

// L = sum(out * w) and its gradients (with graph when create_graph).
TensorList first_order(const Program& p, const Tensor& out, const TensorList& xs,
                       bool create_graph) {
  const Tensor w = make(p.cotangent, out.shape(), out.dtype());
  const Tensor loss = (out * w).sum();
  TensorList gs = autograd::grad({loss}, xs, {}, create_graph, create_graph, true);
  for (size_t i = 0; i < gs.size(); ++i)
    if (!gs[i].defined()) gs[i] = zeros_like(xs[i]);
  return gs;
}

// Float64 central differences of L (gradients) and of paragrad's gradient along the tangents
// (HVPs).
void finite_differences(const Program& p, std::vector<std::vector<double>>& grads,
                        std::vector<std::vector<double>>& hvps) {
  const Dtype f64 = kFloat64;
  const double h = 1e-6;
  TensorList base;
  execute(p, &base, nullptr, &f64);
  auto loss_at = [&](const TensorList& xs) {
    const Tensor out = execute(p, nullptr, &xs, &f64);
    const Tensor w = make(p.cotangent, out.shape(), kFloat64);
    return (out * w).sum().item<double>();
  };
  auto grads_at = [&](const TensorList& xs) {
    TensorList leaves;
    const Tensor out = execute(p, &leaves, &xs, &f64);
    return first_order(p, out, leaves, false);
  };
  grads.assign(base.size(), {});
  hvps.assign(base.size(), {});
  for (size_t k = 0; k < base.size(); ++k) {
    std::vector<double> x = base[k].tolist();
    for (size_t e = 0; e < x.size(); ++e) {
      TensorList plus = base, minus = base;
      std::vector<double> xp = x, xm = x;
      xp[e] += h;
      xm[e] -= h;
      plus[k] = make(xp, base[k].shape(), f64);
      minus[k] = make(xm, base[k].shape(), f64);
      grads[k].push_back((loss_at(plus) - loss_at(minus)) / (2 * h));
    }
  }
  TensorList plus, minus;
  for (size_t k = 0; k < base.size(); ++k) {
    const Tensor v = make(p.expected[k].tangent, base[k].shape(), f64);
    plus.push_back(base[k].detach() + v * h);
    minus.push_back(base[k].detach() - v * h);
  }
  const TensorList gp = grads_at(plus), gm = grads_at(minus);
  for (size_t k = 0; k < base.size(); ++k) hvps[k] = ((gp[k] - gm[k]) / (2 * h)).tolist();
}

// What paragrad must raise where PyTorch raises an error of the program's kind.
struct ExpectedError {
  const char* kind;
  const char* subclass;
  bool (*is)(const Error&);
  const char* needle;  // part of the message
};

template <class E>
bool is_a(const Error& e) {
  return dynamic_cast<const E*>(&e) != nullptr;
}

const ExpectedError kExpectedErrors[] = {
    {"version", "AutogradError", is_a<AutogradError>, "modified by an in-place operation"},
    {"leaf", "AutogradError", is_a<AutogradError>, "a leaf tensor that requires grad"},
    {"leafview", "AutogradError", is_a<AutogradError>, "a view of a leaf tensor"},
    {"nogradview", "AutogradError", is_a<AutogradError>, "created under NoGradGuard"},
    {"overlap", "ValueError", is_a<ValueError>, "refers to a single memory location"},
    {"index", "IndexError", is_a<IndexError>, "out of bounds"},
};

// Runs f, which must raise the error of `kind` (else what went wrong is appended to out).
template <class F>
void expect_raise(std::ostringstream& out, const std::string& where, const std::string& kind,
                  F&& f) {
  const ExpectedError* want = nullptr;
  for (const ExpectedError& e : kExpectedErrors)
    if (kind == e.kind) want = &e;
  if (!want) {
    out << "  unknown error kind '" << kind << "'\n";
    return;
  }
  try {
    f();
  } catch (const Error& e) {
    if (!want->is(e) || std::string(e.what()).find(want->needle) == std::string::npos)
      out << "  " << where << " raised \"" << e.what() << "\"; expected a " << want->subclass
          << " containing \"" << want->needle << "\" (PyTorch: " << kind << ")\n";
    return;
  }
  out << "  " << where << " did not raise; PyTorch raises (" << kind << ")\n";
}

}  // namespace

const std::map<std::string, OpSpec>& op_table() {
  static const std::map<std::string, OpSpec> table = make_table();
  return table;
}

Tensor execute(const Program& p, std::vector<Tensor>* grad_inputs,
               const std::vector<Tensor>* replace_grad_inputs, const Dtype* as_dtype) {
  EnableGradGuard grad_on;
  std::vector<Tensor> vals;
  vals.reserve(p.steps.size());
  size_t next_grad = 0;
  for (const Step& s : p.steps) {
    if (s.is_input) {
      const Dtype d = as_dtype && is_floating(s.input.dtype) ? *as_dtype : s.input.dtype;
      Tensor x;
      const bool asked = s.input.requires_grad && s.input.asked;
      if (asked && replace_grad_inputs) {
        if (next_grad >= replace_grad_inputs->size())
          throw ValueError("differential: too few replacement inputs");
        x = (*replace_grad_inputs)[next_grad++].detach().to(d);
      } else {
        x = make(s.input.values, s.input.shape, d);
      }
      if (s.input.requires_grad) {
        x.requires_grad_(true);
        if (grad_inputs && asked) grad_inputs->push_back(x);
      }
      vals.push_back(x);
      continue;
    }
    const auto it = op_table().find(s.op.name);
    if (it == op_table().end()) throw ValueError(cat("differential: unknown op '", s.op.name, "'"));
    const OpSpec& spec = it->second;
    const size_t n = s.op.operands.size();
    if (n < spec.arity || n > std::max(spec.arity, spec.max_arity))
      throw ValueError(cat("differential: op '", s.op.name, "' takes ", spec.arity,
                           spec.max_arity ? " or more" : "", " operands, got ", n));
    std::vector<Tensor> args;
    for (int64_t i : s.op.operands) args.push_back(vals[static_cast<size_t>(i)]);
    const auto nograd = s.op.attrs.find("nograd");
    const bool no_grad = nograd != s.op.attrs.end() && nograd->second == "1";
    Tensor out;
    if (no_grad) {
      NoGradGuard guard;
      out = spec.fn(args, s.op.attrs);
    } else {
      out = spec.fn(args, s.op.attrs);
    }
    if (spec.in_place && !out.is_same(args[0]))
      throw ValueError(cat("differential: in-place op '", s.op.name, "' returned a new tensor"));
    vals.push_back(out);
  }
  if (vals.empty()) throw ValueError("differential: empty program");
  return vals.back();
}

std::string check_program(const Program& p) {
  std::ostringstream out;
  const Dtype dtype = program_dtype(p);
  const Tolerance tol = tolerance(p.value_dtype == kFloat32 ? kFloat32 : dtype);
  try {
    if (p.raises_phase == "forward") {  // everything but the last op runs; the last raises
      if (p.steps.back().is_input) {
        out << "  'raises forward' after an input, not an op\n";
      } else {
        Program head = p;
        head.steps.pop_back();
        if (head.steps.size()) execute(head);
        expect_raise(out, "the last op", p.raises_kind, [&] { execute(p); });
      }
      return out.str().empty()
                 ? std::string()
                 : cat("program ", p.id, " (seed ", p.seed, ") disagrees:\n", out.str(), p.text);
    }
    TensorList xs;
    const Tensor y = execute(p, &xs);
    if (y.shape() != p.value_shape) {
      out << "  value: shape " << shape_str(y.shape()) << ", expected " << shape_str(p.value_shape)
          << "\n";
    } else if (y.dtype() != p.value_dtype) {
      out << "  value: dtype " << dtype_name(y.dtype()) << ", expected "
          << dtype_name(p.value_dtype) << "\n";
    } else {
      compare(out, "value", p.value, y.to(kFloat64).tolist(), tol);
    }
    if (p.raises_phase == "backward" && out.str().empty()) {
      expect_raise(out, "backward", p.raises_kind, [&] { first_order(p, y, xs, true); });
    } else if (p.has_cotangent && out.str().empty()) {
      bool matched = p.expected.size() == xs.size();
      for (size_t k = 0, id = 0; matched && id < p.steps.size(); ++id)
        if (p.steps[id].is_input && p.steps[id].input.requires_grad && p.steps[id].input.asked)
          matched = p.expected[k++].input_id == static_cast<int64_t>(id);
      if (!matched) {
        out << "  the program lists " << p.expected.size() << " gradients for " << xs.size()
            << " inputs that require grad (one grad/tangent/hvp triple each, in order)\n";
      } else if (!y.requires_grad()) {
        out << "  output does not require grad\n";
      } else {
        const TensorList gs = first_order(p, y, xs, true);
        Tensor dot = scalar(0.0, dtype);
        for (size_t k = 0; k < xs.size(); ++k)
          dot = dot + (gs[k] * make(p.expected[k].tangent, xs[k].shape(), dtype)).sum();
        TensorList hv(xs.size());
        if (dot.requires_grad()) hv = autograd::grad({dot}, xs, {}, false, false, true);
        std::vector<std::vector<double>> want_g, want_h;
        Tolerance gtol = tol;
        if (p.check_fd) {
          finite_differences(p, want_g, want_h);
          gtol = {std::max(tol.rtol, 1e-4), std::max(tol.atol, 1e-5)};
        } else {
          for (const Expected& e : p.expected) {
            want_g.push_back(e.grad);
            want_h.push_back(e.hvp);
          }
        }
        for (size_t k = 0; k < xs.size(); ++k) {
          const std::string who =
              cat("input ", p.expected[k].input_id, p.check_fd ? " (vs finite differences)" : "");
          compare(out, "grad of " + who, want_g[k], values_or_zeros(gs[k], xs[k]), gtol);
          compare(out, "hvp of " + who, want_h[k], values_or_zeros(hv[k], xs[k]), gtol);
        }
      }
    }
  } catch (const Error& e) {
    out << "  raised " << e.what() << "\n";
  }
  if (out.str().empty()) return {};
  return cat("program ", p.id, " (seed ", p.seed, ") disagrees:\n", out.str(), p.text);
}

}  // namespace paragrad::differential
