// Convolutions as im2col + GEMM. unfold (im2col) copies every kernel-sized block of the padded
// input into a column; conv2d is then one matmul of the weight, as a [out, in*kh*kw] matrix per
// group, with those columns. fold (col2im) is unfold's adjoint (it sums each column back onto the
// blocks), so each is the other's backward rule and every order of derivative works; the
// transposed convolution is matmul then fold (it is conv2d's input gradient).
#include <paragrad/nn/functional/conv.hpp>

#include <algorithm>
#include <cstring>

#include <paragrad/engine/autograd/function.hpp>
#include <paragrad/nn/functional/im2col.hpp>
#include <paragrad/nn/functional/padding.hpp>

namespace paragrad::nn {

std::string Size2::str() const { return cat("(", h, ", ", w, ")"); }

namespace functional {

using detail::Blocks;
using detail::fold_op;
using detail::make_blocks;
using detail::unfold_op;

namespace detail {
int64_t conv_out_size(int64_t in, int64_t k, int64_t stride, int64_t pad, int64_t dilation) {
  const int64_t span = in + 2 * pad - dilation * (k - 1) - 1;
  // floor division (span may be negative)
  const int64_t q = span >= 0 ? span / stride : -((-span + stride - 1) / stride);
  return q + 1;
}
}  // namespace detail

namespace {

void check_window(const char* op, const Size2& kernel, const Size2& dilation, const Size2& padding,
                  const Size2& stride) {
  check<ValueError>(kernel.h > 0 && kernel.w > 0, op, ": kernel_size must be positive, got ",
                    kernel.str());
  check<ValueError>(dilation.h > 0 && dilation.w > 0, op, ": dilation must be positive, got ",
                    dilation.str());
  check<ValueError>(padding.h >= 0 && padding.w >= 0, op, ": padding must be non-negative, got ",
                    padding.str());
  check<ValueError>(stride.h > 0 && stride.w > 0, op, ": stride must be positive, got ",
                    stride.str());
}

}  // namespace

Tensor unfold(const Tensor& input, Size2 kernel_size, Size2 dilation, Size2 padding, Size2 stride) {
  check<ValueError>(input.defined(), "unfold: undefined input");
  check<ShapeError>(input.dim() == 3 || input.dim() == 4,
                    "unfold: expected a 3-d (unbatched) or 4-d (batched) input, got shape ",
                    shape_str(input.sizes()));
  check<DtypeError>(input.is_floating_point(), "unfold: expected a floating input, got ",
                    dtype_name(input.dtype()));
  check_window("unfold", kernel_size, dilation, padding, stride);
  if (input.dim() == 3)
    return unfold(input.unsqueeze(0), kernel_size, dilation, padding, stride).squeeze(0);
  const Blocks b = make_blocks(input.size(1), input.size(2), input.size(3), kernel_size, dilation,
                               padding, stride);
  check<ShapeError>(b.oh > 0 && b.ow > 0, "unfold: input shape ", shape_str(input.sizes()),
                    " with padding ", padding.str(), " is smaller than the dilated kernel ",
                    kernel_size.str(), " (dilation ", dilation.str(), ")");
  return unfold_op(input, b);
}

Tensor fold(const Tensor& input, Size2 output_size, Size2 kernel_size, Size2 dilation,
            Size2 padding, Size2 stride) {
  check<ValueError>(input.defined(), "fold: undefined input");
  check<ShapeError>(input.dim() == 2 || input.dim() == 3,
                    "fold: expected a 2-d (unbatched) or 3-d (batched) input, got shape ",
                    shape_str(input.sizes()));
  check<DtypeError>(input.is_floating_point(), "fold: expected a floating input, got ",
                    dtype_name(input.dtype()));
  check_window("fold", kernel_size, dilation, padding, stride);
  check<ValueError>(output_size.h > 0 && output_size.w > 0,
                    "fold: output_size must be positive, got ", output_size.str());
  if (input.dim() == 2)
    return fold(input.unsqueeze(0), output_size, kernel_size, dilation, padding, stride).squeeze(0);
  const int64_t kk = kernel_size.h * kernel_size.w;
  check<ShapeError>(input.size(1) % kk == 0, "fold: input shape ", shape_str(input.sizes()),
                    ": dim 1 must be divisible by the kernel size ", kernel_size.str());
  const Blocks b = make_blocks(input.size(1) / kk, output_size.h, output_size.w, kernel_size,
                               dilation, padding, stride);
  check<ShapeError>(b.oh > 0 && b.ow > 0 && input.size(2) == b.oh * b.ow, "fold: input shape ",
                    shape_str(input.sizes()), " does not match output_size ", output_size.str(),
                    ", kernel_size ", kernel_size.str(), ", dilation ", dilation.str(),
                    ", padding ", padding.str(), ", stride ", stride.str(), " (expected ",
                    std::max<int64_t>(b.oh, 0) * std::max<int64_t>(b.ow, 0), " blocks)");
  return fold_op(input, b);
}

namespace {

// The checks every convolution shares. spatial: 1 or 2; transposed: weight [C, OC/g, ...].
void check_conv(const std::string& who, const Tensor& input, const Tensor& weight,
                const Tensor& bias, int64_t spatial, int64_t groups, bool transposed) {
  check<ValueError>(input.defined() && weight.defined(), who, ": undefined input or weight");
  const int64_t rank = spatial + 2;
  const char* layout = spatial == 1 ? (transposed ? "[in_channels, out_channels/groups, k]"
                                                  : "[out_channels, in_channels/groups, k]")
                                    : (transposed ? "[in_channels, out_channels/groups, kh, kw]"
                                                  : "[out_channels, in_channels/groups, kh, kw]");
  check<ShapeError>(weight.dim() == rank, who, ": expected a ", rank, "-d weight ", layout,
                    ", got shape ", shape_str(weight.sizes()));
  check<ShapeError>(input.dim() == rank || input.dim() == rank - 1, who, ": expected a ", rank - 1,
                    "-d (unbatched) or ", rank, "-d (batched) input, got shape ",
                    shape_str(input.sizes()));
  check<DtypeError>(input.is_floating_point() && input.dtype() == weight.dtype(), who,
                    ": input dtype ", dtype_name(input.dtype()), " and weight dtype ",
                    dtype_name(weight.dtype()), " must be the same floating dtype");
  check<ValueError>(groups > 0, who, ": groups must be positive, got ", groups);
  const int64_t c_in = input.size(input.dim() - spatial - 1);
  const int64_t out_channels = transposed ? weight.size(1) * groups : weight.size(0);
  if (transposed) {
    check<ShapeError>(weight.size(0) == c_in, who, ": input shape ", shape_str(input.sizes()),
                      " has ", c_in, " channels, but weight shape ", shape_str(weight.sizes()),
                      " expects ", weight.size(0));
    check<ShapeError>(c_in % groups == 0, who, ": in_channels ", c_in,
                      " is not divisible by groups=", groups);
  } else {
    check<ShapeError>(weight.size(0) % groups == 0, who, ": weight shape ",
                      shape_str(weight.sizes()), ": out_channels ", weight.size(0),
                      " is not divisible by groups=", groups);
    check<ShapeError>(weight.size(1) * groups == c_in, who, ": input shape ",
                      shape_str(input.sizes()), " has ", c_in, " channels, but weight shape ",
                      shape_str(weight.sizes()), " with groups=", groups, " expects ",
                      weight.size(1) * groups);
  }
  for (int64_t d = 2; d < rank; ++d)
    check<ShapeError>(weight.size(d) > 0, who, ": weight shape ", shape_str(weight.sizes()),
                      " has an empty kernel");
  if (bias.defined()) {
    check<DtypeError>(bias.dtype() == weight.dtype(), who, ": bias dtype ",
                      dtype_name(bias.dtype()), " differs from weight dtype ",
                      dtype_name(weight.dtype()));
    check<ShapeError>(bias.dim() == 1 && bias.size(0) == out_channels, who, ": bias shape ",
                      shape_str(bias.sizes()), " does not match ", out_channels,
                      " output channels");
  }
}

void check_params(const std::string& who, const Size2& stride, const Size2& padding,
                  const Size2& dilation) {
  check<ValueError>(stride.h > 0 && stride.w > 0, who, ": stride must be positive, got ",
                    stride.str());
  check<ValueError>(padding.h >= 0 && padding.w >= 0, who, ": padding must be non-negative, got ",
                    padding.str());
  check<ValueError>(dilation.h > 0 && dilation.w > 0, who, ": dilation must be positive, got ",
                    dilation.str());
}

Tensor add_bias(Tensor out, const Tensor& bias) {
  if (!bias.defined()) return out;
  return out + bias.reshape({1, bias.size(0), 1, 1});
}

}  // namespace

namespace detail {

Tensor conv2d(const std::string& who, const Tensor& input, const Tensor& weight, const Tensor& bias,
              Size2 stride, Size2 padding, Size2 dilation, int64_t groups) {
  check_conv(who, input, weight, bias, 2, groups, false);
  check_params(who, stride, padding, dilation);
  if (input.dim() == 3)
    return conv2d(who, input.unsqueeze(0), weight, bias, stride, padding, dilation, groups)
        .squeeze(0);
  const Blocks b = make_blocks(input.size(1), input.size(2), input.size(3),
                               {weight.size(2), weight.size(3)}, dilation, padding, stride);
  check<ShapeError>(b.oh > 0 && b.ow > 0, who, ": input shape ", shape_str(input.sizes()),
                    " padded by ", padding.str(), " is smaller than the kernel of weight shape ",
                    shape_str(weight.sizes()), " (dilation ", dilation.str(), ")");
  return detail::conv2d_op(input, weight, bias, b, groups);
}

Tensor conv_transpose2d(const std::string& who, const Tensor& input, const Tensor& weight,
                        const Tensor& bias, Size2 stride, Size2 padding, Size2 output_padding,
                        int64_t groups, Size2 dilation) {
  check_conv(who, input, weight, bias, 2, groups, true);
  check_params(who, stride, padding, dilation);
  check<ValueError>(output_padding.h >= 0 && output_padding.w >= 0 &&
                        output_padding.h < std::max(stride.h, dilation.h) &&
                        output_padding.w < std::max(stride.w, dilation.w),
                    who, ": output_padding ", output_padding.str(),
                    " must be non-negative and smaller than either stride ", stride.str(),
                    " or dilation ", dilation.str());
  if (input.dim() == 3)
    return conv_transpose2d(who, input.unsqueeze(0), weight, bias, stride, padding, output_padding,
                            groups, dilation)
        .squeeze(0);
  const int64_t N = input.size(0), C = input.size(1), H = input.size(2), W = input.size(3);
  const int64_t OCg = weight.size(1), OC = OCg * groups, kh = weight.size(2), kw = weight.size(3);
  // The full output cropped by padding on the top/left and by padding - output_padding on the
  // bottom/right: fold onto that size with one block per input position.
  const int64_t oh =
      (H - 1) * stride.h - 2 * padding.h + dilation.h * (kh - 1) + 1 + output_padding.h;
  const int64_t ow =
      (W - 1) * stride.w - 2 * padding.w + dilation.w * (kw - 1) + 1 + output_padding.w;
  check<ShapeError>(oh > 0 && ow > 0, who, ": input shape ", shape_str(input.sizes()),
                    " with weight shape ", shape_str(weight.sizes()), ", stride ", stride.str(),
                    ", padding ", padding.str(), " gives a non-positive output size (", oh, ", ",
                    ow, ")");
  const int64_t Cg = C / groups, K = OCg * kh * kw;
  Tensor cols;  // [N, OC*kh*kw, H*W]
  if (groups == 1) {
    cols = matmul(weight.reshape({C, K}).t(), input.reshape({N, C, H * W}));
  } else {
    cols = matmul(weight.reshape({groups, Cg, K}).transpose(1, 2),
                  input.reshape({N, groups, Cg, H * W}))
               .reshape({N, OC * kh * kw, H * W});
  }
  const Blocks b{OC,        oh,        ow,       kh,       kw, dilation.h, dilation.w,
                 padding.h, padding.w, stride.h, stride.w, H,  W};
  const Tensor out = fold_op(cols, b);
  return add_bias(out, bias);
}

}  // namespace detail

// "same": total padding dilation * (k - 1) per dim, the odd element on the right/bottom (as
// PyTorch); "valid": none.
Tensor detail::conv2d_str(const std::string& who, const Tensor& input, const Tensor& weight,
                          const Tensor& bias, Size2 stride, const std::string& padding,
                          Size2 dilation, int64_t groups) {
  check<ValueError>(input.defined() && weight.defined(), who, ": undefined input or weight");
  check<ValueError>(padding == "same" || padding == "valid", who,
                    ": padding must be 'valid', 'same' or numbers, got '", padding, "'");
  if (padding == "valid")
    return detail::conv2d(who, input, weight, bias, stride, 0, dilation, groups);
  check<ValueError>(stride == Size2(1), who,
                    ": padding='same' is not supported for strided convolutions (stride ",
                    stride.str(), ")");
  check_conv(who, input, weight, bias, 2, groups, false);
  const int64_t th = dilation.h * (weight.size(2) - 1), tw = dilation.w * (weight.size(3) - 1);
  const Tensor x = th % 2 || tw % 2 ? pad(input, {0, tw % 2, 0, th % 2}) : input;
  return detail::conv2d(who, x, weight, bias, stride, Size2(th / 2, tw / 2), dilation, groups);
}

Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, Size2 stride,
              Padding2 padding, Size2 dilation, int64_t groups) {
  if (padding.is_string())
    return detail::conv2d_str("conv2d", input, weight, bias, stride, padding.mode, dilation,
                              groups);
  return detail::conv2d("conv2d", input, weight, bias, stride, padding.size, dilation, groups);
}

namespace {
// conv1d as conv2d of height 1, with the 1-d checks first so errors speak of 1-d shapes.
Tensor conv1d_impl(const Tensor& input, const Tensor& weight, const Tensor& bias, int64_t stride,
                   Size2 padding2d, int64_t dilation, int64_t groups, bool same) {
  check_conv("conv1d", input, weight, bias, 1, groups, false);
  const int64_t d = input.dim() - 1;  // the height dim to add, before the length
  Tensor x = input.unsqueeze(d), w = weight.unsqueeze(2);
  Tensor out;
  if (same)
    out = detail::conv2d_str("conv1d", x, w, bias, Size2(1, stride), "same", Size2(1, dilation),
                             groups);
  else
    out = detail::conv2d("conv1d", x, w, bias, Size2(1, stride), padding2d, Size2(1, dilation),
                         groups);
  return out.squeeze(d);
}
}  // namespace

Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias, int64_t stride,
              int64_t padding, int64_t dilation, int64_t groups) {
  return conv1d_impl(input, weight, bias, stride, Size2(0, padding), dilation, groups, false);
}

Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias, int64_t stride,
              const std::string& padding, int64_t dilation, int64_t groups) {
  check<ValueError>(padding == "same" || padding == "valid",
                    "conv1d: padding must be 'valid', 'same' or a number, got '", padding, "'");
  return conv1d_impl(input, weight, bias, stride, Size2(0), dilation, groups, padding == "same");
}

Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias, Size2 stride,
                        Size2 padding, Size2 output_padding, int64_t groups, Size2 dilation) {
  return detail::conv_transpose2d("conv_transpose2d", input, weight, bias, stride, padding,
                                  output_padding, groups, dilation);
}

Tensor conv_transpose1d(const Tensor& input, const Tensor& weight, const Tensor& bias,
                        int64_t stride, int64_t padding, int64_t output_padding, int64_t groups,
                        int64_t dilation) {
  check_conv("conv_transpose1d", input, weight, bias, 1, groups, true);
  const int64_t d = input.dim() - 1;
  return detail::conv_transpose2d("conv_transpose1d", input.unsqueeze(d), weight.unsqueeze(2), bias,
                                  Size2(1, stride), Size2(0, padding), Size2(0, output_padding),
                                  groups, Size2(1, dilation))
      .squeeze(d);
}

}  // namespace functional
}  // namespace paragrad::nn
