// operator<< for tensors, exactly as PyTorch 1.13 prints them (torch/_tensor_str.py with
// the default print options: precision 4, threshold 1000, edgeitems 3, linewidth 80):
//   tensor([[1.0000, 2.5000],
//           [3.0000, 4.0000]], dtype=torch.float64, grad_fn=<MulBackward>)
// One difference: the grad_fn name is paragrad's own, grad_fn_name() (PyTorch appends an
// overload number, "MulBackward0"), so a learner can grep the source for what is printed.
// One formatter (PyTorch's _Formatter) picks integer, fixed or scientific notation and a
// common width from the values shown; rows wrap at 80 columns; tensors of more than 1000
// elements show only their first and last 3 entries per dim.
#include <cmath>
#include <iomanip>
#include <ostream>
#include <sstream>

#include <paragrad/engine/autograd/node.hpp>
#include <paragrad/engine/tensor.hpp>

namespace paragrad {

namespace {

constexpr int kPrecision = 4;
constexpr int64_t kThreshold = 1000;
constexpr int64_t kEdgeItems = 3;
constexpr size_t kLineWidth = 80;
constexpr int kIndent = 7;  // strlen("tensor(")

// The values of a tensor in row-major order: doubles, or exact int64s for Int64 tensors.
struct Values {
  Dtype dtype;
  std::vector<double> f;
  std::vector<int64_t> i;
};

std::string fixed(double v, int precision) {
  std::ostringstream os;
  os << std::fixed << std::setprecision(precision) << v;
  return os.str();
}
std::string scientific(double v) {
  std::ostringstream os;
  os << std::scientific << std::setprecision(kPrecision) << v;
  return os.str();
}
std::string non_finite(double v) { return std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf"); }

// PyTorch's _Formatter, built from the values that will be shown.
class Formatter {
 public:
  Formatter(const Values& vals, const std::vector<size_t>& shown) : vals_(vals) {
    floating_ = is_floating(vals.dtype);
    if (!floating_) {
      for (size_t k : shown) width_ = std::max(width_, format_raw(k).size());
      return;
    }
    double max_abs = 0, min_abs = INFINITY;
    bool any = false;
    for (size_t k : shown) {
      const double v = vals.f[k];
      if (!std::isfinite(v) || v == 0) continue;
      any = true;
      max_abs = std::max(max_abs, std::abs(v));
      min_abs = std::min(min_abs, std::abs(v));
      if (v != std::ceil(v)) int_mode_ = false;
    }
    if (!any) return;
    sci_mode_ = max_abs / min_abs > 1000.0 || max_abs > 1e8 || (!int_mode_ && min_abs < 1e-4);
    for (size_t k : shown) {
      const double v = vals.f[k];
      if (!std::isfinite(v) || v == 0) continue;
      const size_t w = sci_mode_   ? scientific(v).size()
                       : int_mode_ ? fixed(v, 0).size() + 1
                                   : fixed(v, kPrecision).size();
      width_ = std::max(width_, w);
    }
  }

  size_t width() const { return width_; }

  std::string format(size_t k) const {
    std::string s = format_raw(k);
    return std::string(width_ > s.size() ? width_ - s.size() : 0, ' ') + s;
  }

 private:
  std::string format_raw(size_t k) const {
    switch (vals_.dtype) {
      case Dtype::Bool:
        return vals_.f[k] != 0 ? "True" : "False";
      case Dtype::Int64:
        return std::to_string(vals_.i[k]);
      default:
        break;
    }
    const double v = vals_.f[k];
    if (!std::isfinite(v)) return non_finite(v);
    if (sci_mode_) return scientific(v);
    if (int_mode_) return fixed(v, 0) + '.';
    return fixed(v, kPrecision);
  }

  const Values& vals_;
  bool floating_ = false;
  bool int_mode_ = true;
  bool sci_mode_ = false;
  size_t width_ = 1;
};

// Row-major layout helpers over the flattened values.
struct Layout {
  const Dims& shape;
  std::vector<int64_t> block;  // elements in one index step of each dim
  explicit Layout(const Dims& s) : shape(s), block(s.size() + 1, 1) {
    for (size_t d = s.size(); d-- > 0;) block[d] = block[d + 1] * s[d];
  }
};

// The indices PyTorch's get_summarized_data keeps: with summarize, the first and last
// kEdgeItems entries of every dim longer than 2 * kEdgeItems.
std::vector<int64_t> shown_indices(int64_t n, bool summarize) {
  std::vector<int64_t> idx;
  if (summarize && n > 2 * kEdgeItems) {
    for (int64_t i = 0; i < kEdgeItems; ++i) idx.push_back(i);
    for (int64_t i = n - kEdgeItems; i < n; ++i) idx.push_back(i);
  } else {
    for (int64_t i = 0; i < n; ++i) idx.push_back(i);
  }
  return idx;
}

void collect_shown(const Layout& L, size_t dim, int64_t offset, bool summarize,
                   std::vector<size_t>& out) {
  if (dim == L.shape.size()) {
    out.push_back(size_t(offset));
    return;
  }
  for (int64_t i : shown_indices(L.shape[dim], summarize))
    collect_shown(L, dim + 1, offset + i * L.block[dim + 1], summarize, out);
}

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string s;
  for (size_t i = 0; i < parts.size(); ++i) s += (i ? sep : "") + parts[i];
  return s;
}

// _tensor_str_with_formatter: the sub-tensor at `offset` spanning dims dim.. of the shape.
std::string tensor_str(const Layout& L, size_t dim, int64_t offset, size_t indent, bool summarize,
                       const Formatter& f) {
  const size_t ndim = L.shape.size();
  if (dim == ndim) return f.format(size_t(offset));
  const int64_t n = L.shape[dim];
  const bool cut = summarize && n > 2 * kEdgeItems;
  if (dim + 1 == ndim) {  // _vector_str
    const size_t element_length = f.width() + 2;
    const size_t per_line =
        std::max<size_t>(1, (kLineWidth > indent ? kLineWidth - indent : 0) / element_length);
    std::vector<std::string> data;
    for (int64_t i : shown_indices(n, summarize)) {
      if (cut && i == n - kEdgeItems) data.push_back(" ...");
      data.push_back(f.format(size_t(offset + i)));
    }
    std::vector<std::string> lines;
    for (size_t i = 0; i < data.size(); i += per_line)
      lines.push_back(
          join(std::vector<std::string>(data.begin() + long(i),
                                        data.begin() + long(std::min(i + per_line, data.size()))),
               ", "));
    return '[' + join(lines, ",\n" + std::string(indent + 1, ' ')) + ']';
  }
  std::vector<std::string> slices;
  for (int64_t i : shown_indices(n, summarize)) {
    if (cut && i == n - kEdgeItems) slices.push_back("...");
    slices.push_back(
        tensor_str(L, dim + 1, offset + i * L.block[dim + 1], indent + 1, summarize, f));
  }
  return '[' +
         join(slices, ',' + std::string(ndim - dim - 1, '\n') + std::string(indent + 1, ' ')) + ']';
}

std::string size_tuple(const Dims& d) {
  std::string s = "(";
  for (size_t i = 0; i < d.size(); ++i) s += (i ? ", " : "") + std::to_string(d[i]);
  return s + (d.size() == 1 ? ",)" : ")");
}

}  // namespace

std::ostream& operator<<(std::ostream& os, const Tensor& t) {
  if (!t.defined()) return os << "tensor(undefined)";
  std::vector<std::string> suffixes;
  std::string body;
  if (t.numel() == 0) {
    body = "[]";
    if (t.dim() != 1) suffixes.push_back("size=" + size_tuple(t.sizes()));
    if (t.dtype() != kFloat32)
      suffixes.push_back(std::string("dtype=torch.") + dtype_name(t.dtype()));
  } else {
    Values vals{t.dtype(), t.tolist(), {}};
    if (t.dtype() == kInt64) {
      const Tensor c = t.detach().contiguous();
      vals.i.assign(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
    }
    const bool summarize = t.numel() > kThreshold;
    const Layout L(t.sizes());
    std::vector<size_t> shown;
    collect_shown(L, 0, 0, summarize, shown);
    const Formatter f(vals, shown);
    body = tensor_str(L, 0, 0, kIndent, summarize, f);
    if (t.dtype() == kFloat64) suffixes.push_back("dtype=torch.float64");
  }
  if (t.grad_fn())
    suffixes.push_back("grad_fn=<" + t.grad_fn_name() + ">");
  else if (t.requires_grad())
    suffixes.push_back("requires_grad=True");

  // _add_suffixes: a suffix that would pass the line width goes on its own line.
  std::string s = "tensor(" + body;
  const size_t nl = s.rfind('\n');
  size_t last_line = nl == std::string::npos ? s.size() + 2 : s.size() - nl + 1;
  for (const std::string& suffix : suffixes) {
    if (last_line + suffix.size() + 2 > kLineWidth) {
      s += ",\n" + std::string(kIndent, ' ') + suffix;
      last_line = kIndent + suffix.size();
    } else {
      s += ", " + suffix;
      last_line += suffix.size() + 2;
    }
  }
  return os << s << ')';
}

}  // namespace paragrad
