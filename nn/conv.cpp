#include <paragrad/nn/conv.hpp>

#include <cmath>

#include <paragrad/nn/functional/functional.hpp>
#include <paragrad/nn/init.hpp>

namespace paragrad::nn {

ConvNd::ConvNd(int64_t spatial, bool transposed, int64_t in, int64_t out, Size2 kernel,
               Size2 stride, Padding2 padding, Size2 dilation, Size2 output_padding, int64_t groups,
               bool bias, std::string padding_mode, Dtype dtype)
    : spatial_(spatial),
      transposed_(transposed),
      in_(in),
      out_(out),
      groups_(groups),
      kernel_(kernel),
      stride_(stride),
      dilation_(dilation),
      output_padding_(output_padding),
      padding_(std::move(padding)),
      has_bias_(bias),
      padding_mode_(std::move(padding_mode)) {
  const std::string name = class_name_for_errors();
  check<ValueError>(in > 0 && out > 0, name,
                    ": in_channels and out_channels must be positive, got ", in, " and ", out);
  check<ValueError>(groups > 0, name, ": groups must be a positive integer, got ", groups);
  check<ValueError>(in % groups == 0, name, ": in_channels ", in,
                    " must be divisible by groups=", groups);
  check<ValueError>(out % groups == 0, name, ": out_channels ", out,
                    " must be divisible by groups=", groups);
  check<ValueError>(kernel.h > 0 && kernel.w > 0, name, ": kernel_size must be positive, got ",
                    spatial == 1 ? cat(kernel.w) : kernel.str());
  check<ValueError>(stride.h > 0 && stride.w > 0, name, ": stride must be positive, got ",
                    spatial == 1 ? cat(stride.w) : stride.str());
  check<ValueError>(dilation.h > 0 && dilation.w > 0, name, ": dilation must be positive, got ",
                    spatial == 1 ? cat(dilation.w) : dilation.str());
  if (padding_.is_string()) {
    check<ValueError>(padding_.mode == "same" || padding_.mode == "valid", name,
                      ": invalid padding string '", padding_.mode,
                      "', should be one of {'valid', 'same'}");
    check<ValueError>(padding_.mode != "same" || stride == Size2(1), name,
                      ": padding='same' is not supported for strided convolutions");
  } else {
    check<ValueError>(padding_.size.h >= 0 && padding_.size.w >= 0, name,
                      ": padding must be non-negative, got ",
                      spatial == 1 ? cat(padding_.size.w) : padding_.size.str());
  }
  check<ValueError>(padding_mode_ == "zeros" || padding_mode_ == "reflect" ||
                        padding_mode_ == "replicate" || padding_mode_ == "circular",
                    name,
                    ": padding_mode must be one of 'zeros', 'reflect', 'replicate' or "
                    "'circular', got '",
                    padding_mode_, "'");
  check<ValueError>(!transposed || padding_mode_ == "zeros", name,
                    ": only 'zeros' padding mode is supported for transposed convolutions");
  check<ValueError>(is_floating(dtype), name, ": dtype must be floating, got ", dtype_name(dtype));
  Shape w = transposed ? Shape{in, out / groups} : Shape{out, in / groups};
  if (spatial == 2) w.push_back(kernel.h);
  w.push_back(kernel.w);
  register_parameter("weight", empty(w, dtype));
  register_parameter("bias", bias ? empty({out}, dtype) : Tensor());
  reset_parameters();
  who_ = name + "(" + ConvNd::extra_repr() + ")";
}

std::string ConvNd::class_name_for_errors() const {
  if (spatial_ == 1) return transposed_ ? "ConvTranspose1d" : "Conv1d";
  return transposed_ ? "ConvTranspose2d" : "Conv2d";
}

void ConvNd::reset_parameters() {
  Tensor& w = parameter_slot("weight");
  init::kaiming_uniform_(w, std::sqrt(5.0));
  Tensor& b = parameter_slot("bias");
  if (b.defined()) {
    const int64_t fan_in = init::calculate_fan_in_and_fan_out(w).first;
    const double bound = fan_in > 0 ? 1.0 / std::sqrt(double(fan_in)) : 0.0;
    init::uniform_(b, -bound, bound);
  }
}

Size2 ConvNd::conv_padding() const {
  if (padding_.is_string() || padding_mode_ != "zeros") return 0;
  return padding_.size;
}

Tensor ConvNd::padded_input(const Tensor& x) const {
  if (padding_mode_ == "zeros" || padding_.is_string()) return x;
  const Size2 p = padding_.size;
  const Shape pads = spatial_ == 1 ? Shape{p.w, p.w} : Shape{p.w, p.w, p.h, p.h};
  // Module errors (rank) come from the convolution; pad only what it accepts.
  if (x.dim() != spatial_ + 1 && x.dim() != spatial_ + 2) return x;
  return functional::pad(x, pads, padding_mode_);
}

std::string ConvNd::extra_repr() const {
  auto fmt = [&](const Size2& s) { return spatial_ == 1 ? cat("(", s.w, ",)") : s.str(); };
  std::string s = cat(in_, ", ", out_, ", kernel_size=", fmt(kernel_), ", stride=", fmt(stride_));
  if (padding_.is_string())
    s += ", padding=" + padding_.mode;
  else if (padding_.size != Size2(0))
    s += ", padding=" + fmt(padding_.size);
  if (dilation_ != Size2(1)) s += ", dilation=" + fmt(dilation_);
  if (output_padding_ != Size2(0)) s += ", output_padding=" + fmt(output_padding_);
  if (groups_ != 1) s += cat(", groups=", groups_);
  if (!has_bias_) s += ", bias=False";
  if (padding_mode_ != "zeros") s += ", padding_mode=" + padding_mode_;
  return s;
}

// --- Conv1d
namespace {
// A 1-d layer runs as the 2-d one with a height of 1: checks the 1-d input and weight ranks (so
// errors speak of 1-d shapes) and returns where the height dim goes, before the length.
int64_t height_dim_1d(const std::string& name, const Tensor& x, const Tensor& w) {
  check<ShapeError>(x.defined() && (x.dim() == 2 || x.dim() == 3), name,
                    ": expected a 2-d (unbatched) or 3-d (batched) input, got shape ",
                    x.defined() ? cat(shape_str(x.sizes())) : std::string("(undefined)"));
  check<ShapeError>(w.dim() == 3, name, ": weight must be 3-d, got shape ", shape_str(w.sizes()));
  return x.dim() - 1;
}
}  // namespace

Conv1d::Conv1d(int64_t in_channels, int64_t out_channels, int64_t kernel_size, int64_t stride,
               int64_t padding, int64_t dilation, int64_t groups, bool bias,
               const std::string& padding_mode, Dtype dtype)
    : ConvNd(1, false, in_channels, out_channels, Size2(1, kernel_size), Size2(1, stride),
             Padding2(int64_t(0), padding), Size2(1, dilation), 0, groups, bias, padding_mode,
             dtype) {}

Conv1d::Conv1d(int64_t in_channels, int64_t out_channels, int64_t kernel_size, int64_t stride,
               const std::string& padding, int64_t dilation, int64_t groups, bool bias,
               const std::string& padding_mode, Dtype dtype)
    : ConvNd(1, false, in_channels, out_channels, Size2(1, kernel_size), Size2(1, stride),
             Padding2(padding), Size2(1, dilation), 0, groups, bias, padding_mode, dtype) {}

Tensor Conv1d::forward(const Tensor& x) {
  const Tensor w = get("weight"), b = get("bias");
  const std::string& name = who();
  const int64_t d = height_dim_1d(name, x, w);
  const Tensor x4 = padded_input(x).unsqueeze(d), w4 = w.unsqueeze(2);
  Tensor y = padding_.is_string() ? functional::detail::conv2d_str(
                                        name, x4, w4, b, stride_, padding_.mode, dilation_, groups_)
                                  : functional::detail::conv2d(name, x4, w4, b, stride_,
                                                               conv_padding(), dilation_, groups_);
  return y.squeeze(d);
}

// --- Conv2d
Conv2d::Conv2d(int64_t in_channels, int64_t out_channels, Size2 kernel_size, Size2 stride,
               Padding2 padding, Size2 dilation, int64_t groups, bool bias,
               const std::string& padding_mode, Dtype dtype)
    : ConvNd(2, false, in_channels, out_channels, kernel_size, stride, std::move(padding), dilation,
             0, groups, bias, padding_mode, dtype) {}

Tensor Conv2d::forward(const Tensor& x) {
  const Tensor w = get("weight"), b = get("bias");
  if (padding_.is_string())
    return functional::detail::conv2d_str(who(), x, w, b, stride_, padding_.mode, dilation_,
                                          groups_);
  return functional::detail::conv2d(who(), padded_input(x), w, b, stride_, conv_padding(),
                                    dilation_, groups_);
}

// --- ConvTranspose1d / ConvTranspose2d
ConvTranspose1d::ConvTranspose1d(int64_t in_channels, int64_t out_channels, int64_t kernel_size,
                                 int64_t stride, int64_t padding, int64_t output_padding,
                                 int64_t groups, bool bias, int64_t dilation,
                                 const std::string& padding_mode, Dtype dtype)
    : ConvNd(1, true, in_channels, out_channels, Size2(1, kernel_size), Size2(1, stride),
             Padding2(int64_t(0), padding), Size2(1, dilation), Size2(0, output_padding), groups,
             bias, padding_mode, dtype) {}

Tensor ConvTranspose1d::forward(const Tensor& x) {
  const Tensor w = get("weight"), b = get("bias");
  const std::string& name = who();
  const int64_t d = height_dim_1d(name, x, w);
  return functional::detail::conv_transpose2d(name, x.unsqueeze(d), w.unsqueeze(2), b, stride_,
                                              padding_.size, output_padding_, groups_, dilation_)
      .squeeze(d);
}

ConvTranspose2d::ConvTranspose2d(int64_t in_channels, int64_t out_channels, Size2 kernel_size,
                                 Size2 stride, Size2 padding, Size2 output_padding, int64_t groups,
                                 bool bias, Size2 dilation, const std::string& padding_mode,
                                 Dtype dtype)
    : ConvNd(2, true, in_channels, out_channels, kernel_size, stride, padding, dilation,
             output_padding, groups, bias, padding_mode, dtype) {}

Tensor ConvTranspose2d::forward(const Tensor& x) {
  return functional::detail::conv_transpose2d(who(), x, get("weight"), get("bias"), stride_,
                                              padding_.size, output_padding_, groups_, dilation_);
}

}  // namespace paragrad::nn
