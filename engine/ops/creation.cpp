// Creation functions: they make fresh leaves (no graph).
#include <cmath>

#include <algorithm>
#include <type_traits>

#include <paragrad/engine/detail/checked_math.hpp>
#include <paragrad/engine/detail/loops.hpp>
#include <paragrad/engine/detail/random_fill.hpp>
#include <paragrad/engine/random.hpp>
#include <paragrad/engine/tensor.hpp>

namespace paragrad {

namespace {
Dims to_dims(const Shape& s) { return Dims(s.begin(), s.end()); }

// A generated element v as T: integer targets raise on NaN, infinities and values out of range
// (PyTorch's torch.tensor and arange do); float targets round (1e300 becomes inf, as in PyTorch).
template <class T>
T element(double v, const char* op) {
  if constexpr (std::is_integral<T>::value && !std::is_same<T, bool>::value)
    return detail::checked_convert<T>(v, op);
  else
    return static_cast<T>(v);
}

// A tensor of n draws from the generator: fill(double*, count) writes them in order, a chunk
// at a time for float32, which takes each draw through to_float.
template <class Fill, class ToFloat>
Tensor drawn(const char* op, const Dims& sizes, Dtype dtype, Fill fill, ToFloat to_float) {
  Tensor t = detail::empty_for(op, sizes, dtype);
  const int64_t n = t.numel();
  if (dtype == kFloat64) {
    fill(t.data_ptr<double>(), n);
  } else {
    float* p = t.data_ptr<float>();
    double chunk[256];
    for (int64_t start = 0; start < n; start += 256) {
      const int64_t count = std::min<int64_t>(256, n - start);
      fill(chunk, count);
      for (int64_t i = 0; i < count; ++i) p[start + i] = to_float(chunk[i]);
    }
  }
  return t;
}

template <class F>
Tensor filled(const char* op, const Dims& sizes, Dtype dtype, F&& value_at) {
  Tensor t = detail::empty_for(op, sizes, dtype);
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data_ptr<T>();
    for (int64_t i = 0, n = t.numel(); i < n; ++i) p[i] = element<T>(value_at(i), op);
  });
  return t;
}
}  // namespace

namespace detail {
namespace {
[[noreturn]] void throw_bad_shape(const char* op, const Dims& sizes) {
  int64_t extent = 1;
  for (int64_t s : sizes) {
    check<ShapeError>(s >= 0, op, ": negative dimension in shape ", shape_str(sizes));
    check<ShapeError>(mul_ok(extent, s > 0 ? s : 1, extent), op, ": shape ", shape_str(sizes),
                      " is too large: the product of its non-zero sizes overflows int64");
  }
  throw ShapeError(cat(op, ": invalid shape ", shape_str(sizes)));  // (not reached)
}

// check_shape, returning the element count, in one pass (every op's output comes through
// here); what is wrong is worked out only when something is.
int64_t checked_numel(const char* op, const Dims& sizes) {
  int64_t extent = 1;  // the product of the non-zero sizes
  bool ok = true, any_zero = false;
  for (int64_t s : sizes) {
    if (s > 0)
      ok = mul_ok(extent, s, extent) && ok;
    else if (s == 0)
      any_zero = true;
    else
      ok = false;
  }
  if (!ok) throw_bad_shape(op, sizes);
  return any_zero ? 0 : extent;
}
}  // namespace

void check_shape(const char* op, const Dims& sizes) { checked_numel(op, sizes); }

Tensor full_for(const char* op, const Dims& sizes, double value, Dtype dtype, bool checked) {
  Tensor t = empty_for(op, sizes, dtype);
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    const T v = checked || !std::is_floating_point<T>::value ? checked_convert<T>(value, op)
                                                             : static_cast<T>(value);
    T* p = t.data_ptr<T>();
    std::fill(p, p + t.numel(), v);
  });
  return t;
}

Tensor empty_for_checked(const char* op, const Dims& sizes, Dtype dtype, int64_t numel) {
  const int64_t n = numel >= 0 ? numel : checked_numel(op, sizes);
  int64_t nbytes = 0;
  if (!mul_ok(n, int64_t(element_size(dtype)), nbytes))
    throw ValueError(cat(op, ": cannot allocate ", shape_str(sizes), " of ", dtype_name(dtype),
                         ": more than 2^63 bytes"));
  return Tensor(TensorImpl::make_contiguous(sizes, n, dtype, size_t(nbytes), op));
}
}  // namespace detail

Tensor empty(const Dims& sizes, Dtype dtype) { return detail::empty_for("empty", sizes, dtype); }
Tensor empty(std::initializer_list<int64_t> shape, Dtype dtype) {
  return empty(Shape(shape), dtype);
}
Tensor empty(Shape shape, Dtype dtype) { return empty(to_dims(shape), dtype); }

Tensor full(Shape shape, double value, Dtype dtype) {
  return detail::full_for("full", to_dims(shape), value, dtype);
}
Tensor zeros(Shape shape, Dtype dtype) {
  return detail::full_for("zeros", to_dims(shape), 0.0, dtype);
}
Tensor ones(Shape shape, Dtype dtype) {
  return detail::full_for("ones", to_dims(shape), 1.0, dtype);
}
Tensor full_like(const Tensor& t, double value) {
  check_defined("full_like", t);
  return detail::full_for("full_like", t.sizes(), value, t.dtype());
}
Tensor zeros_like(const Tensor& t) {
  check_defined("zeros_like", t);
  return detail::full_for("zeros_like", t.sizes(), 0.0, t.dtype());
}
Tensor ones_like(const Tensor& t) {
  check_defined("ones_like", t);
  return detail::full_for("ones_like", t.sizes(), 1.0, t.dtype());
}
Tensor scalar(double value, Dtype dtype) { return detail::full_for("scalar", {}, value, dtype); }

Tensor eye(int64_t n, int64_t m, Dtype dtype) {
  check<ShapeError>(n >= 0 && m >= 0, "eye: negative size ", n, "x", m);
  return filled("eye", {n, m}, dtype, [=](int64_t i) { return i / m == i % m ? 1.0 : 0.0; });
}
Tensor eye(int64_t n, Dtype dtype) { return eye(n, n, dtype); }

Tensor arange(double start, double end, double step, Dtype dtype) {
  check<ValueError>(step != 0 && std::isfinite(start) && std::isfinite(end) && std::isfinite(step),
                    "arange: invalid range (", start, ", ", end, ", step ", step, ")");
  const double count = std::ceil((end - start) / step);
  check<ValueError>(count < 1e12, "arange: range (", start, ", ", end, ", step ", step,
                    ") is too long");
  const int64_t n = count > 0 ? int64_t(count) : 0;
  return filled("arange", {n}, dtype, [=](int64_t i) { return start + double(i) * step; });
}

Tensor linspace(double start, double end, int64_t steps, Dtype dtype) {
  check<ValueError>(steps >= 0, "linspace: steps must be non-negative, got ", steps);
  const double h = steps > 1 ? (end - start) / double(steps - 1) : 0.0;
  // The first half from start, the second from end (as PyTorch); one step is start.
  return filled("linspace", {steps}, dtype, [=](int64_t i) {
    return steps == 1 || i < steps / 2 ? start + h * double(i) : end - h * double(steps - 1 - i);
  });
}

Tensor rand(Shape shape, Dtype dtype) {
  check<DtypeError>(is_floating(dtype), "rand: expected a floating dtype, got ", dtype_name(dtype));
  // A double in [1 − 2⁻²⁵, 1) rounds to 1.0f: float32 draws stay below 1 too (the largest float
  // below 1 instead; about one draw in 2²⁵).
  return drawn("rand", to_dims(shape), dtype, random::detail::fill_uniform,
               [](double v) { return std::min(static_cast<float>(v), 0x1.fffffep-1f); });
}
Tensor randn(Shape shape, Dtype dtype) {
  check<DtypeError>(is_floating(dtype), "randn: expected a floating dtype, got ",
                    dtype_name(dtype));
  return drawn("randn", to_dims(shape), dtype, random::detail::fill_normal,
               [](double v) { return static_cast<float>(v); });
}
Tensor randint(int64_t low, int64_t high, Shape shape, Dtype dtype) {
  check<ValueError>(high > low, "randint: empty range [", low, ", ", high, ")");
  // In uint64, where high - low and low + r cannot overflow (the range may span 2^64 - 1);
  // int64 elements are written directly, not through a double that would round them.
  const uint64_t span = uint64_t(high) - uint64_t(low);
  Tensor t = detail::empty_for("randint", to_dims(shape), dtype);
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data_ptr<T>();
    for (int64_t i = 0, n = t.numel(); i < n; ++i)
      p[i] = static_cast<T>(int64_t(uint64_t(low) + random::next_u64() % span));
  });
  return t;
}
Tensor rand_like(const Tensor& t) {
  check_defined("rand_like", t);
  return rand(t.shape(), t.dtype());
}
Tensor randn_like(const Tensor& t) {
  check_defined("randn_like", t);
  return randn(t.shape(), t.dtype());
}

Tensor tensor(const std::vector<double>& values, Shape shape, Dtype dtype) {
  const Dims dims = to_dims(shape);
  detail::check_shape("tensor", dims);
  int64_t n = 0;
  detail::numel_ok(dims, n);
  check<ShapeError>(uint64_t(n) == values.size(), "tensor: ", values.size(),
                    " values do not fill shape ", shape_str(dims));
  return filled("tensor", dims, dtype, [&](int64_t i) { return values[size_t(i)]; });
}
Tensor tensor(std::initializer_list<double> values, Dtype dtype) {
  return tensor(std::vector<double>(values), {int64_t(values.size())}, dtype);
}
Tensor tensor(std::initializer_list<std::initializer_list<double>> rows, Dtype dtype) {
  std::vector<double> v;
  const size_t cols = rows.size() ? rows.begin()->size() : 0;
  for (const auto& r : rows) {
    check<ShapeError>(r.size() == cols, "tensor: ragged rows (", cols, " and ", r.size(),
                      " elements)");
    v.insert(v.end(), r.begin(), r.end());
  }
  return tensor(v, {int64_t(rows.size()), int64_t(cols)}, dtype);
}

}  // namespace paragrad
