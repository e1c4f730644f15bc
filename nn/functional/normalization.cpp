// Normalization layers as compositions of reductions and elementwise ops (so every order of
// derivative works). BatchNorm's running statistics are updated in place, outside the graph.
#include <paragrad/nn/functional/normalization.hpp>

#include <cmath>

#include <paragrad/engine/autograd/grad_mode.hpp>

namespace paragrad::nn::functional {

namespace detail {

Tensor safe_norm(const Tensor& x, double p, const Shape& dims, bool keepdim) {
  if (std::isinf(p)) {
    const Tensor a = x.abs();
    return p > 0 ? a.amax(dims, keepdim) : -(-a).amax(dims, keepdim);
  }
  const Tensor s = p == 2 ? x.square().sum(dims, keepdim) : x.abs().pow(p).sum(dims, keepdim);
  if (p == 1) return s;
  const Tensor pos = s > 0.0;
  const Tensor safe = where(pos, s, ones_like(s));
  return where(pos, p == 2 ? safe.sqrt() : safe.pow(1.0 / p), zeros_like(s));
}

namespace {
// A floating input [N, C, ...].
void check_channels_input(const std::string& who, const Tensor& input) {
  check<ValueError>(input.defined(), who, ": undefined input");
  check<ShapeError>(input.dim() >= 2, who,
                    ": expected an input [N, C, ...] of 2 or more dims, got shape ",
                    shape_str(input.sizes()));
  check<DtypeError>(input.is_floating_point(), who, ": expected a floating input, got ",
                    dtype_name(input.dtype()));
}
}  // namespace

Tensor batch_norm(const std::string& who, const Tensor& input, const Tensor& running_mean,
                  const Tensor& running_var, const Tensor& weight, const Tensor& bias,
                  bool training, double momentum, double eps) {
  check_channels_input(who, input);
  const int64_t C = input.size(1);
  auto check_channel = [&](const Tensor& t, const char* what) {
    if (!t.defined()) return;
    check<ShapeError>(t.dim() == 1 && t.size(0) == C, who, ": ", what, " shape ",
                      shape_str(t.sizes()), " does not match the ", C, " channels of input shape ",
                      shape_str(input.sizes()));
  };
  check_channel(running_mean, "running_mean");
  check_channel(running_var, "running_var");
  check_channel(weight, "weight");
  check_channel(bias, "bias");
  check<ValueError>(running_mean.defined() == running_var.defined(), who,
                    ": running_mean and running_var must both be given or both be undefined");
  Shape dims{0};
  Shape bshape(size_t(input.dim()), 1);
  bshape[1] = C;
  for (int64_t d = 2; d < input.dim(); ++d) dims.push_back(d);
  const int64_t count = C == 0 ? 0 : input.numel() / C;
  Tensor mean, var;
  if (training || !running_mean.defined()) {
    check<ValueError>(count > 1, who,
                      ": expected more than 1 value per channel when training, got input shape ",
                      shape_str(input.sizes()));
    mean = input.mean(dims, true);
    var = input.var(dims, /*unbiased=*/false, true);
    if (training && running_mean.defined()) {
      NoGradGuard no_grad;
      const Tensor m = mean.detach().reshape({C}).to(running_mean.dtype());
      const Tensor v =
          (var.detach().reshape({C}) * (double(count) / double(count - 1))).to(running_var.dtype());
      Tensor rm = running_mean, rv = running_var;
      rm.mul_(1 - momentum).add_(m, momentum);
      rv.mul_(1 - momentum).add_(v, momentum);
    }
  } else {
    mean = running_mean.reshape(bshape);
    var = running_var.reshape(bshape);
  }
  Tensor out = (input - mean) * (var + eps).rsqrt();
  if (weight.defined()) out = out * weight.reshape(bshape);
  if (bias.defined()) out = out + bias.reshape(bshape);
  return out;
}

Tensor group_norm(const std::string& who, const Tensor& input, int64_t num_groups,
                  const Tensor& weight, const Tensor& bias, double eps) {
  check_channels_input(who, input);
  const int64_t N = input.size(0), C = input.size(1);
  check<ValueError>(num_groups > 0 && C % num_groups == 0, who, ": the ", C,
                    " channels of input shape ", shape_str(input.sizes()),
                    " are not divisible into num_groups=", num_groups, " groups");
  Shape bshape(size_t(input.dim()), 1);
  bshape[1] = C;
  for (const auto* t : {&weight, &bias})
    if (t->defined())
      check<ShapeError>(t->dim() == 1 && t->size(0) == C, who, ": affine parameter shape ",
                        shape_str(t->sizes()), " does not match the ", C, " channels");
  const Tensor x = input.reshape({N, num_groups, -1});
  const Tensor mean = x.mean({2}, true), var = x.var({2}, false, true);
  Tensor out = ((x - mean) * (var + eps).rsqrt()).reshape(input.shape());
  if (weight.defined()) out = out * weight.reshape(bshape);
  if (bias.defined()) out = out + bias.reshape(bshape);
  return out;
}

}  // namespace detail

Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight, const Tensor& bias, bool training, double momentum,
                  double eps) {
  return detail::batch_norm("batch_norm", input, running_mean, running_var, weight, bias, training,
                            momentum, eps);
}

Tensor group_norm(const Tensor& input, int64_t num_groups, const Tensor& weight, const Tensor& bias,
                  double eps) {
  return detail::group_norm("group_norm", input, num_groups, weight, bias, eps);
}

Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight,
                  const Tensor& bias, double eps) {
  check_defined("layer_norm", x);
  const int64_t k = int64_t(normalized_shape.size());
  check<ShapeError>(k >= 1 && x.dim() >= k, "layer_norm: normalized_shape ",
                    shape_str(Dims(normalized_shape.begin(), normalized_shape.end())),
                    " does not fit input shape ", shape_str(x.sizes()));
  Shape dims;
  for (int64_t i = 0; i < k; ++i) {
    const int64_t d = x.dim() - k + i;
    check<ShapeError>(x.size(d) == normalized_shape[size_t(i)], "layer_norm: normalized_shape ",
                      shape_str(Dims(normalized_shape.begin(), normalized_shape.end())),
                      " does not match the trailing dims of input shape ", shape_str(x.sizes()));
    dims.push_back(d);
  }
  const Tensor mean = x.mean(dims, true);
  const Tensor var = x.var(dims, /*unbiased=*/false, true);
  Tensor out = (x - mean) * (var + eps).rsqrt();
  if (weight.defined()) out = out * weight;
  if (bias.defined()) out = out + bias;
  return out;
}

Tensor normalize(const Tensor& x, double p, int64_t dim, double eps) {
  check<ValueError>(x.defined(), "normalize: undefined input");
  check<DtypeError>(x.is_floating_point(), "normalize: expected a floating input, got ",
                    dtype_name(x.dtype()));
  const int64_t n = std::max<int64_t>(x.dim(), 1);
  check<IndexError>(dim >= -n && dim < n, "normalize: dim ", dim, " out of range for input shape ",
                    shape_str(x.sizes()));
  const int64_t d = dim < 0 ? dim + n : dim;
  return x / detail::safe_norm(x, p, {d}, true).clamp_min(eps);
}

}  // namespace paragrad::nn::functional
