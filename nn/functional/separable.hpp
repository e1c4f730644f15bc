#pragma once
// A linear map applied separately to the last two dims: out[..., i, j] = Σ_a Σ_b Rh[i, a] Rw[j, b]
// x[..., a, b], with Rh and Rw sparse (a few entries per row). Average pooling (fixed and
// adaptive) and interpolation (nearest, bilinear) are all such maps, so they share one kernel;
// the map's adjoint is the same kernel with both matrices transposed, which makes every order
// of derivative work.
#include <memory>
#include <vector>

#include <paragrad/engine/tensor.hpp>

namespace paragrad::nn::functional::detail {

// A sparse [out, in] matrix, rows in CSR form.
struct AxisMap {
  int64_t in = 0, out = 0;
  std::vector<int64_t> offsets{0};  // row i: entries offsets[i] .. offsets[i + 1]
  std::vector<int64_t> index;
  std::vector<double> weight;
  explicit AxisMap(int64_t in_size) : in(in_size) {}
  void add(int64_t src, double w) {
    index.push_back(src);
    weight.push_back(w);
  }
  void end_row() {
    offsets.push_back(int64_t(index.size()));
    ++out;
  }
  AxisMap transposed() const;
  static AxisMap identity(int64_t n);
};

// x [..., Rh.in, Rw.in] (floating) -> [..., Rh.out, Rw.out]. `name` is the backward node's name.
Tensor separable_map(const Tensor& x, const AxisMap& rh, const AxisMap& rw, const char* name);

}  // namespace paragrad::nn::functional::detail
