#pragma once
// A backward rule that reads its op's saved output, run in place: in a plain backward, the
// incoming gradient g is written over with f(g, y) elementwise, y the output kept as its elements
// and read where they lie (SavedTensor::plain_elements): no header made for y, no new tensor.
//
//   record("ExpBackward", out, {x}, [so = SavedTensor(out, true)](Tensor g) {
//     if (detail::over_with_output(g, so, [](auto a, auto y) { return a * y; })) return g;
//     return g * so.unpack();  // the general way: create_graph, a g others hold, ...
//   });
//
// f must compute what the general way computes, in the same order, in g's dtype.
#include <paragrad/engine/autograd/saved_tensor.hpp>
#include <paragrad/engine/detail/elementwise.hpp>

namespace paragrad::detail {

// False, nothing done, when g may not be written over (can_write_over) or the output is not kept
// as its elements of g's shape and dtype (plain_elements: also under create_graph).
template <class F>
bool over_with_output(Tensor& g, const autograd::SavedTensor& so, F f) {
  if (!can_write_over(g, g.sizes(), g.dtype())) return false;
  const void* y = so.plain_elements(g);
  if (!y) return false;
  const int64_t n = g.numel();
  dispatch_floating(g.dtype(), "backward", [&](auto tag) {
    using T = decltype(tag);
    T* pg = g.data_ptr<T>();
    const T* py = static_cast<const T*>(y);
    parallel_for(n, kParallelElementwiseGrain, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) pg[i] = f(pg[i], py[i]);
    });
  });
  return true;
}

}  // namespace paragrad::detail
