#include <paragrad/nn/functional/separable.hpp>

#include <algorithm>

#include <paragrad/engine/autograd/function.hpp>

namespace paragrad::nn::functional::detail {

AxisMap AxisMap::transposed() const {
  AxisMap t(out);
  std::vector<std::vector<std::pair<int64_t, double>>> rows(static_cast<size_t>(in));
  for (int64_t i = 0; i < out; ++i)
    for (int64_t e = offsets[size_t(i)]; e < offsets[size_t(i) + 1]; ++e)
      rows[size_t(index[size_t(e)])].emplace_back(i, weight[size_t(e)]);
  for (const auto& r : rows) {
    for (const auto& [i, w] : r) t.add(i, w);
    t.end_row();
  }
  return t;
}

AxisMap AxisMap::identity(int64_t n) {
  AxisMap m(n);
  for (int64_t i = 0; i < n; ++i) {
    m.add(i, 1);
    m.end_row();
  }
  return m;
}

namespace {

struct Maps {
  AxisMap h, w, ht, wt;
};

template <class T>
void apply(const T* x, T* out, int64_t batch, const AxisMap& rh, const AxisMap& rw) {
  const int64_t H = rh.in, W = rw.in, oh = rh.out, ow = rw.out;
  std::vector<T> wh(rh.weight.begin(), rh.weight.end()), ww(rw.weight.begin(), rw.weight.end());
  std::vector<T> tmp(size_t(H * ow));
  for (int64_t b = 0; b < batch; ++b) {
    const T* xb = x + b * H * W;
    // tmp = x Rwᵀ, row by row
    for (int64_t a = 0; a < H; ++a) {
      const T* row = xb + a * W;
      T* t = tmp.data() + a * ow;
      for (int64_t j = 0; j < ow; ++j) {
        T s = 0;
        for (int64_t e = rw.offsets[size_t(j)]; e < rw.offsets[size_t(j) + 1]; ++e)
          s += ww[size_t(e)] * row[rw.index[size_t(e)]];
        t[j] = s;
      }
    }
    // out = Rh tmp
    T* ob = out + b * oh * ow;
    for (int64_t i = 0; i < oh; ++i) {
      T* o = ob + i * ow;
      std::fill(o, o + ow, T(0));
      for (int64_t e = rh.offsets[size_t(i)]; e < rh.offsets[size_t(i) + 1]; ++e) {
        const T wgt = wh[size_t(e)];
        const T* t = tmp.data() + rh.index[size_t(e)] * ow;
        for (int64_t j = 0; j < ow; ++j) o[j] += wgt * t[j];
      }
    }
  }
}

Tensor map_op(const Tensor& x, const std::shared_ptr<const Maps>& maps, bool adjoint,
              const char* name) {
  const AxisMap& rh = adjoint ? maps->ht : maps->h;
  const AxisMap& rw = adjoint ? maps->wt : maps->w;
  const Tensor xc = x.detach().contiguous();
  Shape shape = x.shape();
  const int64_t batch = x.numel() == 0 ? 0 : x.numel() / (rh.in * rw.in);
  shape[shape.size() - 2] = rh.out;
  shape[shape.size() - 1] = rw.out;
  Tensor out = empty(shape, x.dtype());
  dispatch_floating(x.dtype(), name, [&](auto tag) {
    using T = decltype(tag);
    apply(xc.data_ptr<T>(), out.data_ptr<T>(), batch, rh, rw);
  });
  if (autograd::needs_grad(x))
    // Each [H, W] plane maps as out = Rh x Rwᵀ (Rh, Rw: the sparse per-axis maps; Rh = 1 in
    // 1-d), so its gradient is the adjoint map Rhᵀ g Rw (each output's g spread back to the
    // inputs it read, with their weights).
    // grad AvgPool2DBackward: avg_pool2d(x, k, s, p) => Rhᵀ g Rw (g / divisor over each window)
    // grad AdaptiveAvgPool2DBackward: adaptive_avg_pool2d(x, size) => Rhᵀ g Rw (g / window size)
    // grad UpsampleNearest1DBackward: upsample_nearest1d(x, size) => g Rw (g summed per source)
    // grad UpsampleNearest2DBackward: upsample_nearest2d(x, size) => Rhᵀ g Rw (g summed per source)
    // grad UpsampleLinear1DBackward: upsample_linear1d(x, size) => g Rw (Rw: linear weights)
    // grad UpsampleBilinear2DBackward: upsample_bilinear2d(x, size) => Rhᵀ g Rw (linear weights)
    autograd::record(name, out, {x}, [maps, adjoint, name](const Tensor& g) {
      return autograd::grad_list(map_op(g, maps, !adjoint, name));
    });
  return out;
}

}  // namespace

Tensor separable_map(const Tensor& x, const AxisMap& rh, const AxisMap& rw, const char* name) {
  check<ShapeError>(x.dim() >= 2 && x.size(-2) == rh.in && x.size(-1) == rw.in, name,
                    ": input shape ", shape_str(x.sizes()), " does not end in [", rh.in, ", ",
                    rw.in, "]");
  check<DtypeError>(x.is_floating_point(), name, ": expected a floating input, got ",
                    dtype_name(x.dtype()));
  auto maps = std::make_shared<const Maps>(Maps{rh, rw, rh.transposed(), rw.transposed()});
  return map_op(x, maps, false, name);
}

}  // namespace paragrad::nn::functional::detail
