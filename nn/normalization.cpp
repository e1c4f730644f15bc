#include <paragrad/nn/normalization.hpp>

#include <paragrad/nn/functional/functional.hpp>
#include <paragrad/nn/repr.hpp>

namespace paragrad::nn {

using detail::py_bool;
using detail::py_float;

// --- BatchNorm
BatchNormBase::BatchNormBase(std::string name, int64_t num_features, double eps,
                             std::optional<double> momentum, bool affine, bool track_running_stats,
                             Dtype dtype)
    : num_features_(num_features),
      eps_(eps),
      momentum_(momentum),
      affine_(affine),
      track_(track_running_stats) {
  check<ValueError>(num_features > 0, name, ": num_features must be positive, got ", num_features);
  check<ValueError>(eps > 0, name, ": eps must be positive, got ", eps);
  check<DtypeError>(is_floating(dtype), name, ": dtype must be floating, got ", dtype_name(dtype));
  if (affine) {
    register_parameter("weight", ones({num_features}, dtype));
    register_parameter("bias", zeros({num_features}, dtype));
  }
  if (track_running_stats) {
    register_buffer("running_mean", zeros({num_features}, dtype));
    register_buffer("running_var", ones({num_features}, dtype));
    register_buffer("num_batches_tracked", zeros({}, kInt64));
  }
  who_ = name + "(" + BatchNormBase::extra_repr() + ")";
}

void BatchNormBase::reset_running_stats() {
  if (!track_) return;
  NoGradGuard no_grad;
  buffer_slot("running_mean").zero_();
  buffer_slot("running_var").fill_(1);
  buffer_slot("num_batches_tracked").zero_();
}

void BatchNormBase::reset_parameters() {
  reset_running_stats();
  if (!affine_) return;
  NoGradGuard no_grad;
  parameter_slot("weight").fill_(1);
  parameter_slot("bias").zero_();
}

Tensor BatchNormBase::forward(const Tensor& x) {
  check<ValueError>(x.defined(), who_, ": undefined input");
  check_input_dim(x);
  check<ShapeError>(x.size(1) == num_features_, who_, ": expected an input with ", num_features_,
                    " channels, got shape ", shape_str(x.sizes()));
  // In training the batch counts (PyTorch counts before it normalizes; the count is bumped
  // here after the checks, so a bad input leaves the buffers unchanged).
  const bool counting = is_training() && track_;
  double factor = momentum_.value_or(0.0);
  if (counting && !momentum_)
    factor = 1.0 / double(buffer_slot("num_batches_tracked").item<int64_t>() + 1);
  // Eval uses the running statistics when there are any; training (or no statistics) the
  // batch's, updating the running ones only when tracked.
  const bool use_batch = is_training() || !track_;
  const Tensor rm = track_ ? buffer_slot("running_mean") : Tensor();
  const Tensor rv = track_ ? buffer_slot("running_var") : Tensor();
  Tensor out =
      functional::detail::batch_norm(who_, x, rm, rv, affine_ ? get("weight") : Tensor(),
                                     affine_ ? get("bias") : Tensor(), use_batch, factor, eps_);
  if (counting) {
    NoGradGuard no_grad;
    buffer_slot("num_batches_tracked").add_(ones({}, kInt64));
  }
  return out;
}

std::string BatchNormBase::extra_repr() const {
  return cat(num_features_, ", eps=", py_float(eps_),
             ", momentum=", momentum_ ? py_float(*momentum_) : std::string("None"),
             ", affine=", py_bool(affine_), ", track_running_stats=", py_bool(track_));
}

BatchNorm1d::BatchNorm1d(int64_t num_features, double eps, std::optional<double> momentum,
                         bool affine, bool track_running_stats, Dtype dtype)
    : BatchNormBase("BatchNorm1d", num_features, eps, momentum, affine, track_running_stats,
                    dtype) {}

void BatchNorm1d::check_input_dim(const Tensor& x) const {
  check<ShapeError>(x.dim() == 2 || x.dim() == 3, who(),
                    ": expected a 2-d [N, C] or 3-d [N, C, L] input, got shape ",
                    shape_str(x.sizes()));
}

BatchNorm2d::BatchNorm2d(int64_t num_features, double eps, std::optional<double> momentum,
                         bool affine, bool track_running_stats, Dtype dtype)
    : BatchNormBase("BatchNorm2d", num_features, eps, momentum, affine, track_running_stats,
                    dtype) {}

void BatchNorm2d::check_input_dim(const Tensor& x) const {
  check<ShapeError>(x.dim() == 4, who(), ": expected a 4-d [N, C, H, W] input, got shape ",
                    shape_str(x.sizes()));
}

// --- GroupNorm
GroupNorm::GroupNorm(int64_t num_groups, int64_t num_channels, double eps, bool affine, Dtype dtype)
    : groups_(num_groups), channels_(num_channels), eps_(eps), affine_(affine) {
  check<ValueError>(num_groups > 0 && num_channels > 0,
                    "GroupNorm: num_groups and num_channels must be positive, got ", num_groups,
                    " and ", num_channels);
  check<ValueError>(num_channels % num_groups == 0, "GroupNorm: num_channels ", num_channels,
                    " must be divisible by num_groups ", num_groups);
  check<DtypeError>(is_floating(dtype), "GroupNorm: dtype must be floating, got ",
                    dtype_name(dtype));
  if (affine) {
    register_parameter("weight", ones({num_channels}, dtype));
    register_parameter("bias", zeros({num_channels}, dtype));
  }
  who_ = "GroupNorm(" + GroupNorm::extra_repr() + ")";
}

Tensor GroupNorm::forward(const Tensor& x) {
  check<ValueError>(x.defined(), who_, ": undefined input");
  check<ShapeError>(x.dim() >= 2 && x.size(1) == channels_, who_, ": expected an input [N, ",
                    channels_, ", ...], got shape ", shape_str(x.sizes()));
  return functional::detail::group_norm(who_, x, groups_, affine_ ? get("weight") : Tensor(),
                                        affine_ ? get("bias") : Tensor(), eps_);
}

std::string GroupNorm::extra_repr() const {
  return cat(groups_, ", ", channels_, ", eps=", py_float(eps_), ", affine=", py_bool(affine_));
}

// --- LayerNorm
LayerNorm::LayerNorm(Shape normalized_shape, double eps, bool elementwise_affine, Dtype dtype)
    : shape_(std::move(normalized_shape)), eps_(eps), affine_(elementwise_affine) {
  check<ValueError>(!shape_.empty(), "LayerNorm: normalized_shape must not be empty");
  if (affine_) {
    register_parameter("weight", ones(shape_, dtype));
    register_parameter("bias", zeros(shape_, dtype));
  }
}

Tensor LayerNorm::forward(const Tensor& x) {
  if (!affine_) return functional::layer_norm(x, shape_, {}, {}, eps_);
  return functional::layer_norm(x, shape_, get("weight"), get("bias"), eps_);
}

std::string LayerNorm::extra_repr() const {
  std::string dims = "(";
  for (size_t i = 0; i < shape_.size(); ++i) dims += cat(i ? ", " : "", shape_[i]);
  dims += shape_.size() == 1 ? ",)" : ")";
  return cat(dims, ", eps=", py_float(eps_), ", elementwise_affine=", py_bool(affine_));
}

}  // namespace paragrad::nn
