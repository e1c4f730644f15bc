// pad: constant padding as cat with constant blocks (narrow for negative pads); the other modes
// pick source positions with index_select, whose gradient (index_add) sums every copy back.
#include <paragrad/nn/functional/padding.hpp>

namespace paragrad::nn::functional {

namespace {

// Source index of every output position j - before in [-before, n + after).
Tensor source_index(const std::string& mode, int64_t n, int64_t before, int64_t after) {
  std::vector<double> idx;
  for (int64_t j = -before; j < n + after; ++j) {
    int64_t s;
    if (mode == "reflect") {
      s = j < 0 ? -j : (j >= n ? 2 * (n - 1) - j : j);
    } else if (mode == "replicate") {
      s = j < 0 ? 0 : (j >= n ? n - 1 : j);
    } else {  // circular
      s = ((j % n) + n) % n;
    }
    idx.push_back(double(s));
  }
  return tensor(idx, {int64_t(idx.size())}, kInt64);
}

}  // namespace

Tensor pad(const Tensor& input, const Shape& pads, const std::string& mode, double value) {
  check<ValueError>(input.defined(), "pad: undefined input");
  const int64_t npairs = int64_t(pads.size()) / 2;
  check<ValueError>(pads.size() % 2 == 0, "pad: padding length must be even, got ", pads.size());
  check<ShapeError>(npairs <= input.dim(), "pad: padding of length ", pads.size(),
                    " is too long for an input of shape ", shape_str(input.sizes()));
  const Shape shape = input.shape();
  auto pads_str = [&] {
    std::string s = "(";
    for (size_t i = 0; i < pads.size(); ++i) s += cat(i ? ", " : "", pads[i]);
    return s + ")";
  };
  if (mode == "constant") {
    Tensor out = input;
    for (int64_t i = 0; i < npairs; ++i) {
      const int64_t d = input.dim() - 1 - i, before = pads[size_t(2 * i)],
                    after = pads[size_t(2 * i + 1)];
      const int64_t n = out.size(d);
      check<ShapeError>(n + before + after >= 0, "pad: input shape ", shape_str(input.sizes()),
                        " with padding ", pads_str(), " gives a negative size in dim ", d);
      if (before < 0) out = out.narrow(d, -before, out.size(d) + before);
      if (after < 0) out = out.narrow(d, 0, out.size(d) + after);
      if (before <= 0 && after <= 0) continue;
      TensorList parts;
      Shape block = out.shape();
      if (before > 0) {
        block[size_t(d)] = before;
        parts.push_back(full(block, value, input.dtype()));
      }
      parts.push_back(out);
      if (after > 0) {
        block[size_t(d)] = after;
        parts.push_back(full(block, value, input.dtype()));
      }
      out = cat(parts, d);
    }
    return out;
  }
  check<ValueError>(mode == "reflect" || mode == "replicate" || mode == "circular",
                    "pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', got '",
                    mode, "'");
  check<ShapeError>(
      npairs >= 1 && npairs <= 3 && (input.dim() == npairs + 1 || input.dim() == npairs + 2),
      "pad: ", mode, " padding of length ", pads.size(), " needs a ", npairs + 1, "-d or ",
      npairs + 2, "-d input, got shape ", shape_str(input.sizes()));
  Tensor out = input;
  for (int64_t i = 0; i < npairs; ++i) {
    const int64_t d = input.dim() - 1 - i, before = pads[size_t(2 * i)],
                  after = pads[size_t(2 * i + 1)], n = shape[size_t(d)];
    if (before == 0 && after == 0) continue;
    if (mode == "reflect")
      check<ValueError>(
          before < n && after < n && before > -n && after > -n, "pad: reflect padding ", pads_str(),
          " must be smaller than the padded dims of input shape ", shape_str(input.sizes()));
    else if (mode == "circular")
      check<ValueError>(
          before <= n && after <= n && before >= -n && after >= -n, "pad: circular padding ",
          pads_str(), " must be at most the padded dims of input shape ", shape_str(input.sizes()));
    else
      check<ValueError>(n > 0, "pad: replicate padding of an empty dim (input shape ",
                        shape_str(input.sizes()), ")");
    check<ShapeError>(n + before + after > 0, "pad: input shape ", shape_str(input.sizes()),
                      " with padding ", pads_str(), " gives a non-positive size in dim ", d);
    out = out.index_select(d, source_index(mode, n, before, after));
  }
  return out;
}

}  // namespace paragrad::nn::functional
