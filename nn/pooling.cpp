#include <paragrad/nn/pooling.hpp>

#include <paragrad/nn/functional/functional.hpp>

namespace paragrad::nn {

namespace {
// PyTorch prints an int when both dims agree (it keeps what it was given; ints are the norm).
std::string size_repr(const Size2& s) { return s.h == s.w ? cat(s.h) : s.str(); }
}  // namespace

// --- MaxPool2d
MaxPool2d::MaxPool2d(int64_t kernel_size, std::optional<int64_t> stride, int64_t padding,
                     int64_t dilation, bool return_indices, bool ceil_mode)
    : MaxPool2d(Size2(kernel_size), Size2(stride.value_or(kernel_size)), Size2(padding),
                Size2(dilation), return_indices, ceil_mode) {}

MaxPool2d::MaxPool2d(Size2 kernel_size, Size2 stride, Size2 padding, Size2 dilation,
                     bool return_indices, bool ceil_mode)
    : kernel_(kernel_size),
      stride_(stride),
      padding_(padding),
      dilation_(dilation),
      return_indices_(return_indices),
      ceil_mode_(ceil_mode) {
  check<ValueError>(kernel_.h > 0 && kernel_.w > 0 && stride_.h > 0 && stride_.w > 0 &&
                        dilation_.h > 0 && dilation_.w > 0,
                    "MaxPool2d: kernel_size ", kernel_.str(), ", stride ", stride_.str(),
                    " and dilation ", dilation_.str(), " must be positive");
  check<ValueError>(padding_.h >= 0 && padding_.w >= 0 && padding_.h <= kernel_.h / 2 &&
                        padding_.w <= kernel_.w / 2,
                    "MaxPool2d: padding ", padding_.str(),
                    " must be non-negative and at most half of kernel_size ", kernel_.str());
  who_ = "MaxPool2d(" + MaxPool2d::extra_repr() + ")";
}

Tensor MaxPool2d::forward(const Tensor& x) {
  check<ValueError>(!return_indices_,
                    "MaxPool2d: built with return_indices=true; call "
                    "forward_with_indices");
  return std::get<0>(functional::detail::max_pool2d(who_, x, kernel_, stride_, padding_, dilation_,
                                                    ceil_mode_, false));
}

std::tuple<Tensor, Tensor> MaxPool2d::forward_with_indices(const Tensor& x) {
  return functional::detail::max_pool2d(who_, x, kernel_, stride_, padding_, dilation_, ceil_mode_,
                                        true);
}

std::string MaxPool2d::extra_repr() const {
  return cat("kernel_size=", size_repr(kernel_), ", stride=", size_repr(stride_),
             ", padding=", size_repr(padding_), ", dilation=", size_repr(dilation_),
             ", ceil_mode=", ceil_mode_ ? "True" : "False");
}

// --- MaxPool1d
MaxPool1d::MaxPool1d(int64_t kernel_size, std::optional<int64_t> stride, int64_t padding,
                     int64_t dilation, bool return_indices, bool ceil_mode)
    : kernel_(kernel_size),
      stride_(stride.value_or(kernel_size)),
      padding_(padding),
      dilation_(dilation),
      ceil_mode_(ceil_mode) {
  check<ValueError>(!return_indices, "MaxPool1d: return_indices is not supported");
  check<ValueError>(kernel_ > 0 && stride_ > 0 && dilation_ > 0, "MaxPool1d: kernel_size ", kernel_,
                    ", stride ", stride_, " and dilation ", dilation_, " must be positive");
  check<ValueError>(padding_ >= 0 && padding_ <= kernel_ / 2, "MaxPool1d: padding ", padding_,
                    " must be non-negative and at most half of kernel_size ", kernel_);
}

Tensor MaxPool1d::forward(const Tensor& x) {
  return functional::max_pool1d(x, kernel_, stride_, padding_, dilation_, ceil_mode_);
}

std::string MaxPool1d::extra_repr() const {
  return cat("kernel_size=", kernel_, ", stride=", stride_, ", padding=", padding_,
             ", dilation=", dilation_, ", ceil_mode=", ceil_mode_ ? "True" : "False");
}

// --- AvgPool2d
AvgPool2d::AvgPool2d(int64_t kernel_size, std::optional<int64_t> stride, int64_t padding,
                     bool ceil_mode, bool count_include_pad,
                     std::optional<int64_t> divisor_override)
    : AvgPool2d(Size2(kernel_size), Size2(stride.value_or(kernel_size)), Size2(padding), ceil_mode,
                count_include_pad, divisor_override) {}

AvgPool2d::AvgPool2d(Size2 kernel_size, Size2 stride, Size2 padding, bool ceil_mode,
                     bool count_include_pad, std::optional<int64_t> divisor_override)
    : kernel_(kernel_size),
      stride_(stride),
      padding_(padding),
      ceil_mode_(ceil_mode),
      count_include_pad_(count_include_pad),
      divisor_override_(divisor_override) {
  check<ValueError>(kernel_.h > 0 && kernel_.w > 0 && stride_.h > 0 && stride_.w > 0,
                    "AvgPool2d: kernel_size ", kernel_.str(), " and stride ", stride_.str(),
                    " must be positive");
  check<ValueError>(padding_.h >= 0 && padding_.w >= 0 && padding_.h <= kernel_.h / 2 &&
                        padding_.w <= kernel_.w / 2,
                    "AvgPool2d: padding ", padding_.str(),
                    " must be non-negative and at most half of kernel_size ", kernel_.str());
  check<ValueError>(!divisor_override || *divisor_override != 0,
                    "AvgPool2d: divisor must be not zero");
  who_ = "AvgPool2d(" + AvgPool2d::extra_repr() + ")";
}

Tensor AvgPool2d::forward(const Tensor& x) {
  return functional::detail::avg_pool2d(who_, x, kernel_, stride_, padding_, ceil_mode_,
                                        count_include_pad_, divisor_override_);
}

std::string AvgPool2d::extra_repr() const {
  return cat("kernel_size=", size_repr(kernel_), ", stride=", size_repr(stride_),
             ", padding=", size_repr(padding_));
}

// --- AvgPool1d
AvgPool1d::AvgPool1d(int64_t kernel_size, std::optional<int64_t> stride, int64_t padding,
                     bool ceil_mode, bool count_include_pad)
    : kernel_(kernel_size),
      stride_(stride.value_or(kernel_size)),
      padding_(padding),
      ceil_mode_(ceil_mode),
      count_include_pad_(count_include_pad) {
  check<ValueError>(kernel_ > 0 && stride_ > 0, "AvgPool1d: kernel_size ", kernel_, " and stride ",
                    stride_, " must be positive");
  check<ValueError>(padding_ >= 0 && padding_ <= kernel_ / 2, "AvgPool1d: padding ", padding_,
                    " must be non-negative and at most half of kernel_size ", kernel_);
}

Tensor AvgPool1d::forward(const Tensor& x) {
  return functional::avg_pool1d(x, kernel_, stride_, padding_, ceil_mode_, count_include_pad_);
}

std::string AvgPool1d::extra_repr() const {
  return cat("kernel_size=(", kernel_, ",), stride=(", stride_, ",), padding=(", padding_, ",)");
}

// --- adaptive pools
AdaptiveAvgPool2d::AdaptiveAvgPool2d(Size2 output_size) : output_size_(output_size) {
  check<ValueError>(output_size.h >= 0 && output_size.w >= 0,
                    "AdaptiveAvgPool2d: output_size must be non-negative, got ", output_size.str());
  who_ = "AdaptiveAvgPool2d(" + AdaptiveAvgPool2d::extra_repr() + ")";
}
Tensor AdaptiveAvgPool2d::forward(const Tensor& x) {
  return functional::detail::adaptive_avg_pool2d(who_, x, output_size_);
}
std::string AdaptiveAvgPool2d::extra_repr() const {
  return "output_size=" + size_repr(output_size_);
}

AdaptiveAvgPool1d::AdaptiveAvgPool1d(int64_t output_size) : output_size_(output_size) {
  check<ValueError>(output_size >= 0, "AdaptiveAvgPool1d: output_size must be non-negative, got ",
                    output_size);
}
Tensor AdaptiveAvgPool1d::forward(const Tensor& x) {
  return functional::adaptive_avg_pool1d(x, output_size_);
}
std::string AdaptiveAvgPool1d::extra_repr() const { return cat("output_size=", output_size_); }

AdaptiveMaxPool2d::AdaptiveMaxPool2d(Size2 output_size) : output_size_(output_size) {
  check<ValueError>(output_size.h > 0 && output_size.w > 0,
                    "AdaptiveMaxPool2d: output_size must be positive, got ", output_size.str());
}
Tensor AdaptiveMaxPool2d::forward(const Tensor& x) {
  return functional::adaptive_max_pool2d(x, output_size_);
}
std::string AdaptiveMaxPool2d::extra_repr() const {
  return "output_size=" + size_repr(output_size_);
}

}  // namespace paragrad::nn
