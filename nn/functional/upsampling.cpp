// interpolate: every mode is a separable linear map (separable.hpp) — per spatial dim, each
// output position reads one source (nearest), two (linear) or a window (area) — so values,
// gradients and higher orders come from one kernel.
#include <paragrad/nn/functional/upsampling.hpp>

#include <algorithm>
#include <cmath>

#include <paragrad/nn/functional/pooling.hpp>
#include <paragrad/nn/functional/separable.hpp>

namespace paragrad::nn::functional {

namespace {

using detail::AxisMap;

// scale: in / out, or 1 / scale_factor when one was given (PyTorch's compute_scales_value).
// PyTorch computes the source index in float for every dtype (nearest_idx).
AxisMap nearest_axis(int64_t in, int64_t out, double scale) {
  AxisMap m(in);
  for (int64_t i = 0; i < out; ++i) {
    const int64_t src = int64_t(std::floor(float(i) * float(scale)));
    m.add(std::min(src, in - 1), 1.0);
    m.end_row();
  }
  return m;
}

// Linear interpolation weights (PyTorch's area_pixel_compute_source_index).
AxisMap linear_axis(int64_t in, int64_t out, double scale, bool align_corners) {
  AxisMap m(in);
  const double s = align_corners ? (out > 1 ? double(in - 1) / double(out - 1) : 0.0) : scale;
  for (int64_t i = 0; i < out; ++i) {
    double src = align_corners ? s * double(i) : s * (double(i) + 0.5) - 0.5;
    if (src < 0) src = 0;
    const int64_t i0 = int64_t(src);
    const int64_t i1 = i0 < in - 1 ? i0 + 1 : i0;
    const double l1 = src - double(i0), l0 = 1 - l1;
    if (i1 == i0) {
      m.add(i0, l0 + l1);
    } else {
      m.add(i0, l0);
      m.add(i1, l1);
    }
    m.end_row();
  }
  return m;
}

Tensor interpolate_impl(const Tensor& input, const Shape& size, const std::vector<double>& scales,
                        const std::string& mode, std::optional<bool> align_corners) {
  check<ValueError>(input.defined(), "interpolate: undefined input");
  check<ShapeError>(input.dim() == 3 || input.dim() == 4,
                    "interpolate: expected a 3-d [N, C, L] or 4-d [N, C, H, W] input, got shape ",
                    shape_str(input.sizes()));
  check<DtypeError>(input.is_floating_point(), "interpolate: expected a floating input, got ",
                    dtype_name(input.dtype()));
  const int64_t spatial = input.dim() - 2;
  check<ShapeError>(int64_t(size.size()) == spatial, "interpolate: size has ", size.size(),
                    " entries, but input shape ", shape_str(input.sizes()), " has ", spatial,
                    " spatial dims");
  for (int64_t s : size)
    check<ValueError>(s > 0, "interpolate: output sizes must be positive, got ", s);
  for (int64_t d = 2; d < input.dim(); ++d)
    check<ShapeError>(input.size(d) > 0, "interpolate: input shape ", shape_str(input.sizes()),
                      " has an empty spatial dim");
  const bool linear = mode == "linear" || mode == "bilinear";
  check<ValueError>(mode == "nearest" || linear || mode == "area",
                    "interpolate: mode must be 'nearest', 'linear', 'bilinear' or 'area', got '",
                    mode, "'");
  check<ValueError>(linear || !align_corners.has_value(),
                    "interpolate: align_corners can only be set with the linear modes, not '", mode,
                    "'");
  check<ShapeError>(mode != "linear" || spatial == 1,
                    "interpolate: mode 'linear' needs a 3-d input, got shape ",
                    shape_str(input.sizes()));
  check<ShapeError>(mode != "bilinear" || spatial == 2,
                    "interpolate: mode 'bilinear' needs a 4-d input, got shape ",
                    shape_str(input.sizes()));
  const Tensor x = spatial == 1 ? input.unsqueeze(2) : input;
  const int64_t H = x.size(2), W = x.size(3);
  const int64_t oh = spatial == 1 ? 1 : size[0], ow = size[size.size() - 1];
  if (mode == "area")
    return detail::adaptive_avg_pool2d("interpolate", x, Size2(oh, ow)).reshape([&] {
      Shape s = input.shape();
      for (int64_t d = 0; d < spatial; ++d) s[size_t(2 + d)] = size[size_t(d)];
      return s;
    }());
  auto scale = [&](int64_t d, int64_t in, int64_t out) {
    return scales.empty() ? double(in) / double(out) : 1.0 / scales[size_t(d)];
  };
  AxisMap rh = AxisMap::identity(1), rw = AxisMap::identity(1);
  if (mode == "nearest") {
    rh = spatial == 1 ? AxisMap::identity(1) : nearest_axis(H, oh, scale(0, H, oh));
    rw = nearest_axis(W, ow, scale(spatial - 1, W, ow));
  } else {
    const bool ac = align_corners.value_or(false);
    rh = spatial == 1 ? AxisMap::identity(1) : linear_axis(H, oh, scale(0, H, oh), ac);
    rw = linear_axis(W, ow, scale(spatial - 1, W, ow), ac);
  }
  const char* name =
      mode == "nearest"
          ? (spatial == 1 ? "UpsampleNearest1DBackward" : "UpsampleNearest2DBackward")
          : (spatial == 1 ? "UpsampleLinear1DBackward" : "UpsampleBilinear2DBackward");
  Tensor out = detail::separable_map(x, rh, rw, name);
  return spatial == 1 ? out.squeeze(2) : out;
}

}  // namespace

Tensor interpolate(const Tensor& input, const Shape& size, const std::string& mode,
                   std::optional<bool> align_corners) {
  return interpolate_impl(input, size, {}, mode, align_corners);
}

Tensor detail::interpolate_scale(const Tensor& input, ScaleFactor scale, const std::string& mode,
                                 std::optional<bool> align_corners) {
  const double scale_factor = scale.value;
  check<ValueError>(input.defined(), "interpolate: undefined input");
  check<ValueError>(scale_factor > 0 && std::isfinite(scale_factor),
                    "interpolate: scale_factor must be positive and finite, got ", scale_factor);
  check<ShapeError>(input.dim() == 3 || input.dim() == 4,
                    "interpolate: expected a 3-d [N, C, L] or 4-d [N, C, H, W] input, got shape ",
                    shape_str(input.sizes()));
  Shape size;
  std::vector<double> scales;
  for (int64_t d = 2; d < input.dim(); ++d) {
    size.push_back(int64_t(std::floor(double(input.size(d)) * scale_factor)));
    scales.push_back(scale_factor);
  }
  // "area" ignores the scale (adaptive pooling to the size), as PyTorch.
  if (mode == "area") scales.clear();
  return interpolate_impl(input, size, scales, mode, align_corners);
}

}  // namespace paragrad::nn::functional
