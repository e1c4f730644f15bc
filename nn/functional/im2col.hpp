#pragma once
// im2col and col2im (unfold and fold) for the convolutions, and the fused convolution op built
// on them. Internal to nn/functional.
#include <paragrad/engine/tensor.hpp>
#include <paragrad/nn/functional/size2.hpp>

namespace paragrad::nn::functional::detail {

// The block geometry shared by unfold and fold: the image is [C, H, W], blocks kh x kw with
// dilation, padding (top/left) and stride, at oh x ow block positions (given, so that a
// transposed convolution can crop its bottom/right by less than its top/left).
struct Blocks {
  int64_t C, H, W, kh, kw, dh, dw, ph, pw, sh, sw, oh, ow;
  int64_t rows() const { return C * kh * kw; }
  int64_t cols() const { return oh * ow; }
};

// The geometry of a convolution over [C, H, W] with symmetric padding (oh, ow as conv2d's).
Blocks make_blocks(int64_t C, int64_t H, int64_t W, Size2 k, Size2 d, Size2 p, Size2 s);

// One image: img [C, H, W] -> col [C*kh*kw, oh*ow] (zeros where a block leaves the image).
void im2col(const float* img, float* col, const Blocks& b);
void im2col(const double* img, double* col, const Blocks& b);
// The adjoint: img [C, H, W] += each column added back onto its block.
void col2im(const float* col, float* img, const Blocks& b);
void col2im(const double* col, double* img, const Blocks& b);

// [N, C, H, W] -> [N, C*kh*kw, oh*ow] and back; each is the other's backward rule.
Tensor unfold_op(const Tensor& x, const Blocks& b);
Tensor fold_op(const Tensor& cols, const Blocks& b);

// conv2d of x [N, C, H, W] (floating, any layout) with weight [OC, C/groups, kh, kw] and bias
// [OC] (or undefined) over the geometry b: per image im2col then one GEMM per group, the bias
// added in the same pass. Its backward computes the three gradients in one pass over the
// batch; under create_graph it is written in unfold/fold/matmul instead, so every order of
// derivative works. Checks are the caller's.
Tensor conv2d_op(const Tensor& x, const Tensor& weight, const Tensor& bias, const Blocks& b,
                 int64_t groups);

}  // namespace paragrad::nn::functional::detail
