// Creation functions: they make fresh leaves (no graph).
#include <cmath>

#include <paragrad/engine/random.hpp>
#include <paragrad/engine/tensor.hpp>

namespace paragrad {

namespace {
Dims to_dims(const Shape& s, const char* op) {
  for (int64_t v : s)
    check<ShapeError>(v >= 0, op, ": negative dimension in shape ",
                      shape_str(Dims(s.begin(), s.end())));
  return Dims(s.begin(), s.end());
}
template <class F>
Tensor filled(const Shape& shape, Dtype dtype, const char* op, F&& value_at) {
  Tensor t = empty(to_dims(shape, op), dtype);
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data_ptr<T>();
    for (int64_t i = 0, n = t.numel(); i < n; ++i) p[i] = static_cast<T>(value_at(i));
  });
  return t;
}
}  // namespace

Tensor empty(const Dims& sizes, Dtype dtype) {
  int64_t n = 1;
  for (int64_t s : sizes) {
    check<ShapeError>(s >= 0, "empty: negative dimension in shape ", shape_str(sizes));
    check<ValueError>(s == 0 || n <= (int64_t(1) << 50) / s, "empty: shape ", shape_str(sizes),
                      " has too many elements");
    n *= s;
  }
  auto storage = Storage::allocate(size_t(n) * element_size(dtype));
  return Tensor(
      make_intrusive<TensorImpl>(std::move(storage), sizes, contiguous_strides(sizes), 0, dtype));
}
Tensor empty(std::initializer_list<int64_t> shape, Dtype dtype) {
  return empty(Shape(shape), dtype);
}
Tensor empty(Shape shape, Dtype dtype) { return empty(to_dims(shape, "empty"), dtype); }

Tensor full(Shape shape, double value, Dtype dtype) {
  return filled(shape, dtype, "full", [=](int64_t) { return value; });
}
Tensor zeros(Shape shape, Dtype dtype) { return full(std::move(shape), 0.0, dtype); }
Tensor ones(Shape shape, Dtype dtype) { return full(std::move(shape), 1.0, dtype); }
Tensor full_like(const Tensor& t, double value) { return full(t.shape(), value, t.dtype()); }
Tensor zeros_like(const Tensor& t) { return full_like(t, 0.0); }
Tensor ones_like(const Tensor& t) { return full_like(t, 1.0); }
Tensor scalar(double value, Dtype dtype) { return full({}, value, dtype); }

Tensor eye(int64_t n, int64_t m, Dtype dtype) {
  check<ShapeError>(n >= 0 && m >= 0, "eye: negative size ", n, "x", m);
  return filled({n, m}, dtype, "eye", [=](int64_t i) { return i / m == i % m ? 1.0 : 0.0; });
}
Tensor eye(int64_t n, Dtype dtype) { return eye(n, n, dtype); }

Tensor arange(double start, double end, double step, Dtype dtype) {
  check<ValueError>(step != 0 && std::isfinite(start) && std::isfinite(end) && std::isfinite(step),
                    "arange: invalid range (", start, ", ", end, ", step ", step, ")");
  const double count = std::ceil((end - start) / step);
  check<ValueError>(count < 1e12, "arange: range (", start, ", ", end, ", step ", step,
                    ") is too long");
  const int64_t n = count > 0 ? int64_t(count) : 0;
  return filled({n}, dtype, "arange", [=](int64_t i) { return start + double(i) * step; });
}

Tensor linspace(double start, double end, int64_t steps, Dtype dtype) {
  check<ValueError>(steps >= 0, "linspace: steps must be non-negative, got ", steps);
  const double h = steps > 1 ? (end - start) / double(steps - 1) : 0.0;
  return filled({steps}, dtype, "linspace", [=](int64_t i) {
    return i < steps / 2 ? start + h * double(i) : end - h * double(steps - 1 - i);
  });
}

Tensor rand(Shape shape, Dtype dtype) {
  check<DtypeError>(is_floating(dtype), "rand: expected a floating dtype, got ", dtype_name(dtype));
  return filled(shape, dtype, "rand", [](int64_t) { return random::uniform(); });
}
Tensor randn(Shape shape, Dtype dtype) {
  check<DtypeError>(is_floating(dtype), "randn: expected a floating dtype, got ",
                    dtype_name(dtype));
  return filled(shape, dtype, "randn", [](int64_t) { return random::normal(); });
}
Tensor randint(int64_t low, int64_t high, Shape shape, Dtype dtype) {
  check<ValueError>(high > low, "randint: empty range [", low, ", ", high, ")");
  const uint64_t span = uint64_t(high - low);
  return filled(shape, dtype, "randint",
                [=](int64_t) { return double(low + int64_t(random::next_u64() % span)); });
}
Tensor rand_like(const Tensor& t) { return rand(t.shape(), t.dtype()); }
Tensor randn_like(const Tensor& t) { return randn(t.shape(), t.dtype()); }

Tensor tensor(const std::vector<double>& values, Shape shape, Dtype dtype) {
  Dims dims = to_dims(shape, "tensor");
  int64_t n = 1;
  for (int64_t s : dims) n *= s;
  check<ShapeError>(n == int64_t(values.size()), "tensor: ", values.size(),
                    " values do not fill shape ", shape_str(dims));
  return filled(shape, dtype, "tensor", [&](int64_t i) { return values[size_t(i)]; });
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

template <class M>
static Tensor from_matrix(const M& m, Dtype dtype) {
  using T = typename M::Scalar;
  Tensor t = empty(Dims{m.rows(), m.cols()}, dtype);
  T* p = t.data_ptr<T>();
  for (Eigen::Index i = 0; i < m.rows(); ++i)
    for (Eigen::Index j = 0; j < m.cols(); ++j) p[i * m.cols() + j] = m(i, j);
  return t;
}
Tensor from_eigen(const Eigen::MatrixXf& m) { return from_matrix(m, kFloat32); }
Tensor from_eigen(const Eigen::MatrixXd& m) { return from_matrix(m, kFloat64); }

}  // namespace paragrad
