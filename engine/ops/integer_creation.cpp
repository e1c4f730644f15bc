// Creation of integer tensors: arange with integer arguments and tensor() of integer
// literals (both Int64, as in PyTorch; the templates in tensor.hpp route here), and randperm.
#include <limits>

#include <paragrad/engine/random.hpp>
#include <paragrad/engine/tensor.hpp>

namespace paragrad {

namespace detail {

// The count is computed in unsigned arithmetic, so no range of int64 overflows.
Tensor arange_int64(int64_t start, int64_t end, int64_t step) {
  check<ValueError>(step != 0, "arange: step must be non-zero, got step 0 (range ", start, " to ",
                    end, ")");
  uint64_t count = 0;
  if (step > 0 && end > start) {
    const uint64_t span = uint64_t(end) - uint64_t(start), s = uint64_t(step);
    count = span / s + (span % s != 0);
  } else if (step < 0 && start > end) {
    const uint64_t span = uint64_t(start) - uint64_t(end), s = uint64_t(-(step + 1)) + 1;
    count = span / s + (span % s != 0);
  }
  check<ValueError>(count <= (uint64_t(1) << 40), "arange: range (", start, ", ", end, ", step ",
                    step, ") is too long");
  Tensor t = empty(Dims{int64_t(count)}, kInt64);
  int64_t* p = t.data_ptr<int64_t>();
  for (uint64_t i = 0; i < count; ++i) p[i] = int64_t(uint64_t(start) + i * uint64_t(step));
  return t;
}

Tensor int_tensor(const std::vector<int64_t>& values, const Dims& shape, Dtype dtype) {
  Tensor t = empty(shape, dtype);
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data_ptr<T>();
    for (size_t i = 0; i < values.size(); ++i) p[i] = static_cast<T>(values[i]);
  });
  return t;
}

}  // namespace detail

Tensor arange(double end, Dtype dtype) { return arange(0.0, end, 1.0, dtype); }

// A uniformly random permutation of 0..n-1 (Fisher–Yates on the global generator, with
// rejection sampling so that every permutation is equally likely).
Tensor randperm(int64_t n, Dtype dtype) {
  check<ValueError>(n >= 0, "randperm: n must be non-negative, got ", n);
  check<DtypeError>(dtype != kBool, "randperm: not supported for bool tensors");
  const int64_t exact = dtype == kFloat32 ? (int64_t(1) << 24) : (int64_t(1) << 53);
  check<ValueError>(dtype == kInt64 || n <= exact + 1, "randperm: n = ", n,
                    " is too large for exact ", dtype_name(dtype), " values");
  Tensor perm = detail::arange_int64(0, n, 1);
  int64_t* p = perm.data_ptr<int64_t>();
  for (int64_t i = n - 1; i > 0; --i) {
    const uint64_t bound = uint64_t(i) + 1;
    const uint64_t limit =
        std::numeric_limits<uint64_t>::max() - std::numeric_limits<uint64_t>::max() % bound;
    uint64_t r;
    do r = random::next_u64();
    while (r >= limit);
    std::swap(p[i], p[int64_t(r % bound)]);
  }
  return perm.to(dtype);
}

}  // namespace paragrad
