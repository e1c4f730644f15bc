#pragma once
// The Tensor handle: a cheap-to-copy reference to a TensorImpl. Copies share data and
// autograd state. Every op here records its backward rule when a gradient is needed;
// each op's forward and backward live together in engine/ops/<family>.cpp.
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iosfwd>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

#include <paragrad/engine/autograd/removable_handle.hpp>
#include <paragrad/engine/dtype.hpp>
#include <paragrad/engine/error.hpp>
#include <paragrad/engine/export.hpp>
#include <paragrad/engine/indexing.hpp>
#include <paragrad/engine/tensor_impl.hpp>

PARAGRAD_API_BEGIN

namespace paragrad {

using Shape = std::vector<int64_t>;
class Tensor;
using TensorList = std::vector<Tensor>;
// Raises ValueError "<op>: undefined tensor ..." (naming argument `which`, 1-based, if > 0).
[[noreturn]] void throw_undefined(const char* op, int which = 0);

namespace detail {
// Enables the integer overloads below (x.sum(1), arange(12), tensor({1, 2})) for integral
// types other than bool, so that they never compete with the Shape and double signatures.
template <class I>
using if_index = std::enable_if_t<std::is_integral<I>::value && !std::is_same<I, bool>::value, int>;
template <class... Is>
using if_indices =
    std::enable_if_t<((std::is_integral<Is>::value && !std::is_same<Is, bool>::value) && ...), int>;
}  // namespace detail

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(IntrusivePtr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // --- metadata. An undefined handle (Tensor(), or grad() before any backward) answers only
  // defined() and requires_grad(); every other accessor and op raises ValueError
  // "<op>: undefined tensor ..." (one predictable branch, see get()).
  Shape shape() const;
  const Dims& sizes() const { return get("sizes").sizes; }  // no allocation; prefer in hot code
  const Dims& strides() const { return get("strides").strides; }
  int64_t dim() const { return int64_t(get("dim").sizes.size()); }
  int64_t numel() const { return get("numel").numel; }
  int64_t size(int64_t d) const;
  Dtype dtype() const { return get("dtype").dtype; }
  bool defined() const { return bool(impl_); }
  bool is_contiguous() const { return get("is_contiguous").contiguous; }
  bool is_floating_point() const { return is_floating(get("is_floating_point").dtype); }
  TensorImpl* impl() const { return impl_.get(); }  // nullptr when undefined
  const IntrusivePtr<TensorImpl>& impl_ptr() const { return impl_; }
  bool is_same(const Tensor& o) const { return impl_ == o.impl_; }
  template <class T>
  T* data_ptr() const;  // typed pointer to the first element; T must match dtype

  // --- values
  template <class T>
  T item() const;  // 0-d or one-element tensors; T in float, double, int64_t, bool
  Eigen::MatrixXd to_eigen() const;    // 2-d (or 1-d as a column); defined inline below
  std::vector<double> tolist() const;  // flattened, row-major
  Tensor to(Dtype) const;
  Tensor clone() const;
  Tensor contiguous() const;

  // --- autograd
  // A view requires grad when its base does (also a view made under NoGradGuard, as PyTorch).
  bool requires_grad() const {
    return impl_ && (impl_->requires_grad || (impl_->view_base && impl_->view_base->requires_grad));
  }
  Tensor& requires_grad_(bool on = true);
  Tensor grad() const;
  void zero_grad();
  void backward(const Tensor& gradient = {}, bool retain_graph = false,
                bool create_graph = false) const;
  Tensor detach() const;
  bool is_leaf() const { return get("is_leaf"), !grad_fn(); }
  std::string grad_fn_name() const;
  const NodePtr& grad_fn() const {
    const TensorImpl& i = get("grad_fn");
    return i.view_base ? autograd::view_grad_fn(*impl_) : i.grad_fn;
  }
  uint32_t output_nr() const { return get("output_nr").output_nr; }
  // Hooks, as torch.Tensor.register_hook (autograd/hooks.hpp): in every backward, hook(grad)
  // sees the gradient flowing into this tensor and may return a replacement ({} keeps it).
  autograd::RemovableHandle register_hook(std::function<Tensor(const Tensor& grad)> hook) const;
  void retain_grad() const;   // a non-leaf keeps its .grad() (a leaf: no-op)
  bool retains_grad() const;  // retain_grad() was called on this non-leaf
  uint32_t version() const { return get("version").storage->version(); }

  // --- shape and views (results share storage where PyTorch's do)
  Tensor reshape(Shape) const;
  Tensor view(Shape) const;
  Tensor flatten() const;
  Tensor transpose(int64_t d0, int64_t d1) const;
  Tensor t() const;
  Tensor mT() const;
  Tensor permute(Shape) const;
  Tensor unsqueeze(int64_t d) const;
  Tensor squeeze(int64_t d) const;
  Tensor squeeze() const;  // all size-1 dims
  Tensor expand(Shape) const;
  Tensor expand_as(const Tensor& other) const;
  Tensor select(int64_t dim, int64_t i) const;
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const;
  Tensor index(std::initializer_list<TensorIndex>) const;
  Tensor index(const std::vector<TensorIndex>&) const;
  Tensor triu(int64_t k = 0) const;
  Tensor tril(int64_t k = 0) const;
  Tensor diagonal(int64_t offset = 0, int64_t d0 = -2, int64_t d1 = -1) const;
  Tensor sum_to(const Dims& shape) const;
  Tensor movedim(int64_t from, int64_t to) const;  // sums broadcast dims away (gradient of expand)
  Tensor index_select(int64_t dim, const Tensor& index) const;  // Int64 index
  Tensor gather(int64_t dim, const Tensor& index) const;        // Int64 index, as torch.gather
  Tensor masked_fill(const Tensor& mask, double value) const;
  // shape ops (engine/ops/shape_ops.cpp): copies, except split/chunk/unbind (views)
  Tensor flip(Shape dims) const;
  template <class I, detail::if_index<I> = 0>
  Tensor flip(I dim) const {
    return flip(Shape{int64_t(dim)});
  }
  Tensor roll(Shape shifts, Shape dims = {}) const;  // dims empty: roll the flattened tensor
  template <class I, detail::if_index<I> = 0>
  Tensor roll(I shift) const {
    return roll(Shape{int64_t(shift)});
  }
  template <class I, class J, detail::if_indices<I, J> = 0>
  Tensor roll(I shift, J dim) const {
    return roll(Shape{int64_t(shift)}, Shape{int64_t(dim)});
  }
  Tensor repeat(Shape repeats) const;
  Tensor tile(Shape reps) const;
  TensorList split(int64_t size, int64_t dim = 0) const;
  TensorList split_with_sizes(Shape sizes, int64_t dim = 0) const;
  TensorList chunk(int64_t chunks, int64_t dim = 0) const;
  TensorList unbind(int64_t dim = 0) const;
  // indexing with tensors (engine/ops/index_put.cpp). index() above also takes Int64 and
  // Bool tensors (advanced indexing, as PyTorch's x[idx]); an undefined Tensor in a
  // TensorList is a full slice.
  Tensor index(const TensorList& indices) const;
  Tensor index_add(int64_t dim, const Tensor& index, const Tensor& source, double alpha = 1) const;
  Tensor index_put(std::initializer_list<TensorIndex> indices, const Tensor& values,
                   bool accumulate = false) const;
  Tensor index_put(const std::vector<TensorIndex>& indices, const Tensor& values,
                   bool accumulate = false) const;
  Tensor index_put(const TensorList& indices, const Tensor& values, bool accumulate = false) const;
  Tensor& index_put_(std::initializer_list<TensorIndex> indices, const Tensor& values,
                     bool accumulate = false);
  Tensor& index_put_(const std::vector<TensorIndex>& indices, const Tensor& values,
                     bool accumulate = false);
  Tensor& index_put_(const TensorList& indices, const Tensor& values, bool accumulate = false);
  Tensor& index_put_(std::initializer_list<TensorIndex> indices, double value);
  Tensor masked_select(const Tensor& mask) const;
  Tensor nonzero() const;  // [count, dim] Int64
  // products and diagonals (engine/ops/products.cpp)
  Tensor diag(int64_t k = 0) const;
  Tensor trace() const;
  Tensor mm(const Tensor&) const;
  Tensor bmm(const Tensor&) const;
  Tensor dot(const Tensor&) const;
  Tensor outer(const Tensor&) const;
  Tensor cross(const Tensor& other, int64_t dim = -1) const;
  Tensor kron(const Tensor& other) const;

  // --- elementwise
  Tensor exp() const;
  Tensor log() const;
  Tensor sqrt() const;
  Tensor rsqrt() const;
  Tensor abs() const;
  Tensor sign() const;
  Tensor sin() const;
  Tensor cos() const;
  Tensor tanh() const;
  Tensor sigmoid() const;
  Tensor relu() const;
  Tensor neg() const;
  Tensor square() const;
  Tensor reciprocal() const;
  Tensor log1p() const;
  Tensor expm1() const;
  Tensor softplus() const;
  Tensor pow(double) const;
  Tensor pow(const Tensor&) const;
  Tensor clamp(double lo, double hi) const;
  Tensor clamp_min(double lo) const;
  Tensor clamp_max(double hi) const;
  Tensor lt(const Tensor&) const;
  Tensor le(const Tensor&) const;
  Tensor gt(const Tensor&) const;
  Tensor ge(const Tensor&) const;
  Tensor eq(const Tensor&) const;
  Tensor ne(const Tensor&) const;
  Tensor logical_not() const;
  Tensor isnan() const;
  Tensor isfinite() const;
  // rounding (engine/ops/rounding.cpp); integer tensors pass through (frac: floating only)
  Tensor floor() const;
  Tensor ceil() const;
  Tensor round() const;  // half to even, as PyTorch
  Tensor trunc() const;
  Tensor frac() const;
  // trigonometric and hyperbolic (engine/ops/trig.cpp), special (engine/ops/special.cpp)
  Tensor tan() const;
  Tensor asin() const;
  Tensor acos() const;
  Tensor atan() const;
  Tensor sinh() const;
  Tensor cosh() const;
  Tensor asinh() const;
  Tensor acosh() const;
  Tensor atanh() const;
  Tensor log2() const;
  Tensor log10() const;
  Tensor erf() const;
  Tensor erfc() const;
  // NaN, +inf and -inf replaced; the infinities default to the dtype's largest/lowest value
  Tensor nan_to_num(double nan = 0.0, std::optional<double> posinf = std::nullopt,
                    std::optional<double> neginf = std::nullopt) const;
  // binary (engine/ops/division.cpp, engine/ops/binary_math.cpp); free functions below
  Tensor fmod(const Tensor& other) const;
  Tensor fmod(double other) const;
  Tensor remainder(const Tensor& other) const;
  Tensor remainder(double other) const;
  Tensor floor_divide(const Tensor& other) const;
  Tensor floor_divide(double other) const;
  Tensor atan2(const Tensor& other) const;
  Tensor hypot(const Tensor& other) const;
  Tensor logaddexp(const Tensor& other) const;
  Tensor maximum(const Tensor& other) const;
  Tensor minimum(const Tensor& other) const;
  Tensor lerp(const Tensor& end, double weight) const;
  Tensor lerp(const Tensor& end, const Tensor& weight) const;

  // --- reductions
  Tensor sum() const;
  Tensor sum(Shape dims, bool keepdim = false) const;
  Tensor mean() const;
  Tensor mean(Shape dims, bool keepdim = false) const;
  Tensor prod() const;
  Tensor max() const;
  Tensor min() const;
  std::tuple<Tensor, Tensor> max(int64_t dim, bool keepdim = false) const;  // values, indices
  std::tuple<Tensor, Tensor> min(int64_t dim, bool keepdim = false) const;
  Tensor argmax(int64_t dim, bool keepdim = false) const;
  Tensor argmin(int64_t dim, bool keepdim = false) const;
  Tensor amax(Shape dims, bool keepdim = false) const;
  Tensor logsumexp(Shape dims, bool keepdim = false) const;
  Tensor norm() const;  // Frobenius / 2-norm of all elements
  Tensor var(Shape dims, bool unbiased = true, bool keepdim = false) const;
  Tensor softmax(int64_t dim) const;
  Tensor log_softmax(int64_t dim) const;
  bool all() const;  // Bool tensors (others: non-zero)
  bool any() const;
  // more reductions (engine/ops/statistics.cpp, scan.cpp, sort.cpp; amin in reduce.cpp)
  Tensor prod(int64_t dim, bool keepdim = false) const;
  Tensor amin(Shape dims, bool keepdim = false) const;
  Tensor var() const;  // all elements, unbiased
  Tensor std() const;
  Tensor std(Shape dims, bool unbiased = true, bool keepdim = false) const;
  Tensor norm(double p) const;  // p-norm of all elements (inf, -inf, 0 too)
  Tensor norm(double p, Shape dims, bool keepdim = false) const;
  Tensor all(int64_t dim, bool keepdim = false) const;  // Bool
  Tensor any(int64_t dim, bool keepdim = false) const;
  Tensor cumsum(int64_t dim) const;
  Tensor cumprod(int64_t dim) const;
  // sort is stable (ties keep their order; NaN sorts as the largest value), so `stable` only
  // documents intent. Indices are Int64.
  std::tuple<Tensor, Tensor> sort(int64_t dim = -1, bool descending = false,
                                  bool stable = false) const;
  Tensor argsort(int64_t dim = -1, bool descending = false, bool stable = false) const;
  std::tuple<Tensor, Tensor> topk(int64_t k, int64_t dim = -1, bool largest = true,
                                  bool sorted = true) const;
  std::tuple<Tensor, Tensor> median(int64_t dim, bool keepdim = false) const;  // lower median
  Tensor median() const;
  // One dim as an integer, for every reduction that takes dims: x.sum(1), x.std(0, false).
  template <class I, detail::if_index<I> = 0>
  Tensor sum(I dim, bool keepdim = false) const {
    return sum(Shape{int64_t(dim)}, keepdim);
  }
  template <class I, detail::if_index<I> = 0>
  Tensor mean(I dim, bool keepdim = false) const {
    return mean(Shape{int64_t(dim)}, keepdim);
  }
  template <class I, detail::if_index<I> = 0>
  Tensor amax(I dim, bool keepdim = false) const {
    return amax(Shape{int64_t(dim)}, keepdim);
  }
  template <class I, detail::if_index<I> = 0>
  Tensor amin(I dim, bool keepdim = false) const {
    return amin(Shape{int64_t(dim)}, keepdim);
  }
  template <class I, detail::if_index<I> = 0>
  Tensor logsumexp(I dim, bool keepdim = false) const {
    return logsumexp(Shape{int64_t(dim)}, keepdim);
  }
  template <class I, detail::if_index<I> = 0>
  Tensor var(I dim, bool unbiased = true, bool keepdim = false) const {
    return var(Shape{int64_t(dim)}, unbiased, keepdim);
  }
  template <class I, detail::if_index<I> = 0>
  Tensor std(I dim, bool unbiased = true, bool keepdim = false) const {
    return std(Shape{int64_t(dim)}, unbiased, keepdim);
  }
  template <class I, detail::if_index<I> = 0>
  Tensor norm(double p, I dim, bool keepdim = false) const {
    return norm(p, Shape{int64_t(dim)}, keepdim);
  }

  // --- in-place (recorded in the graph as PyTorch does; see docs/autograd.md). A leaf that
  // requires grad, or a view of one, is written only under NoGradGuard.
  Tensor& copy_(const Tensor&);
  Tensor& add_(const Tensor&, double alpha = 1);
  Tensor& mul_(double);
  Tensor& mul_(const Tensor&);
  Tensor& div_(double);
  Tensor& zero_();
  Tensor& fill_(double);
  Tensor& clamp_(double lo, double hi);
  // Makes this tensor (the same object) use source's storage, sizes, strides and offset, as
  // torch.Tensor.set_; the version counter keeps counting. Not differentiable: under
  // NoGradGuard, or on tensors that do not require grad.
  Tensor& set_(const Tensor& source);

 private:
  void check_to_eigen() const;  // defined, 1-d or 2-d (errors name to_eigen)
  // *impl_, or ValueError "<op>: undefined tensor" for an undefined handle.
  const TensorImpl& get(const char* op) const {
    if (!impl_) throw_undefined(op);
    return *impl_;
  }
  IntrusivePtr<TensorImpl> impl_;
};

// Raises DtypeError "data_ptr: tensor is <has>, asked for <asked>".
[[noreturn]] void throw_data_ptr_dtype(Dtype has, Dtype asked);

// Inline: kernels read it for every operand of every op.
template <class T>
T* Tensor::data_ptr() const {
  const TensorImpl& t = get("data_ptr");
  if (dtype_of<T>::value != t.dtype) throw_data_ptr_dtype(t.dtype, dtype_of<T>::value);
  return t.data<T>();
}

// Inline, so that the matrix is allocated and freed in the caller's code, under the caller's Eigen
// configuration: the library is compiled without -march and an application may use any
// (docs/cpu-dispatch.md); no Eigen object is made in the library and freed outside it.
inline Eigen::MatrixXd Tensor::to_eigen() const {
  check_to_eigen();
  const int64_t rows = sizes()[0], cols = dim() == 2 ? sizes()[1] : 1;
  const std::vector<double> v = tolist();
  Eigen::MatrixXd m(rows, cols);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) m(i, j) = v[size_t(i * cols + j)];
  return m;
}

// ValueError naming op unless every tensor given is defined; with several, the message
// numbers the undefined one: "add: argument 2 is an undefined tensor ...".
inline void check_defined(const char* op, const Tensor& t) {
  if (!t.defined()) throw_undefined(op);
}
template <class... Ts>
void check_defined(const char* op, const Tensor& a, const Tensor& b, const Ts&... rest) {
  const Tensor* ts[] = {&a, &b, &rest...};
  for (int i = 0; i < int(sizeof...(Ts)) + 2; ++i)
    if (!ts[i]->defined()) throw_undefined(op, i + 1);
}

// --- creation (dtype defaults to Float32)
Tensor empty(Shape, Dtype = kFloat32);
Tensor empty(const Dims&, Dtype);
Tensor empty(std::initializer_list<int64_t>, Dtype = kFloat32);
Tensor zeros(Shape, Dtype = kFloat32);
Tensor ones(Shape, Dtype = kFloat32);
Tensor full(Shape, double value, Dtype = kFloat32);
Tensor zeros_like(const Tensor&);
Tensor ones_like(const Tensor&);
Tensor full_like(const Tensor&, double value);
Tensor eye(int64_t n, Dtype = kFloat32);
Tensor eye(int64_t n, int64_t m, Dtype);
Tensor arange(double start, double end, double step = 1, Dtype = kFloat32);
Tensor arange(double end, Dtype = kFloat32);
namespace detail {
Tensor arange_int64(int64_t start, int64_t end, int64_t step);
Tensor int_tensor(const std::vector<int64_t>& values, const Dims& shape, Dtype dtype);
template <class I>
std::vector<int64_t> int_values(std::initializer_list<I> values) {
  return std::vector<int64_t>(values.begin(), values.end());
}
}  // namespace detail
// Integer arguments give an Int64 tensor, as in PyTorch: arange(12), arange(2, n), arange(0, 9, 3).
template <class I, detail::if_index<I> = 0>
Tensor arange(I end) {
  return detail::arange_int64(0, int64_t(end), 1);
}
template <class A, class B, detail::if_indices<A, B> = 0>
Tensor arange(A start, B end) {
  return detail::arange_int64(int64_t(start), int64_t(end), 1);
}
template <class A, class B, class C, detail::if_indices<A, B, C> = 0>
Tensor arange(A start, B end, C step) {
  return detail::arange_int64(int64_t(start), int64_t(end), int64_t(step));
}
Tensor randperm(int64_t n, Dtype = kInt64);
Tensor linspace(double start, double end, int64_t steps, Dtype = kFloat32);
Tensor rand(Shape, Dtype = kFloat32);
Tensor randn(Shape, Dtype = kFloat32);
Tensor randint(int64_t low, int64_t high, Shape, Dtype = kInt64);
Tensor rand_like(const Tensor&);
Tensor randn_like(const Tensor&);
void manual_seed(uint64_t seed);
Tensor tensor(std::initializer_list<double>, Dtype = kFloat32);
Tensor tensor(std::initializer_list<std::initializer_list<double>>, Dtype = kFloat32);
Tensor tensor(const std::vector<double>& values, Shape shape, Dtype = kFloat32);
// Integer (or bool) literals give an Int64 (Bool) tensor, as torch.tensor([1, 2, 3]) does.
template <class I, std::enable_if_t<std::is_integral<I>::value, int> = 0>
Tensor tensor(std::initializer_list<I> values,
              Dtype dtype = std::is_same<I, bool>::value ? kBool : kInt64) {
  return detail::int_tensor(detail::int_values(values), Dims{int64_t(values.size())}, dtype);
}
template <class I, std::enable_if_t<std::is_integral<I>::value, int> = 0>
Tensor tensor(std::initializer_list<std::initializer_list<I>> rows,
              Dtype dtype = std::is_same<I, bool>::value ? kBool : kInt64) {
  std::vector<int64_t> v;
  const size_t cols = rows.size() ? rows.begin()->size() : 0;
  for (const auto& r : rows) {
    check<ShapeError>(r.size() == cols, "tensor: ragged rows (", cols, " and ", r.size(),
                      " elements)");
    v.insert(v.end(), r.begin(), r.end());
  }
  return detail::int_tensor(v, Dims{int64_t(rows.size()), int64_t(cols)}, dtype);
}
// from_eigen (any dense Eigen expression), from_blob, as_eigen: engine/interop.hpp
Tensor scalar(double value, Dtype = kFloat32);

// --- arithmetic (broadcasting, PyTorch promotion; a double does not promote a float tensor)
Tensor operator+(const Tensor&, const Tensor&);
Tensor operator-(const Tensor&, const Tensor&);
Tensor operator*(const Tensor&, const Tensor&);
Tensor operator/(const Tensor&, const Tensor&);
Tensor operator+(const Tensor&, double);
Tensor operator-(const Tensor&, double);
Tensor operator*(const Tensor&, double);
Tensor operator/(const Tensor&, double);
Tensor operator+(double, const Tensor&);
Tensor operator-(double, const Tensor&);
Tensor operator*(double, const Tensor&);
Tensor operator/(double, const Tensor&);
Tensor operator-(const Tensor&);
// The same with a temporary first operand (`(x * 2) + 1`, or a tensor passed with std::move): the
// result may be written over the operand's elements and take its header instead of a new tensor,
// when nothing else can see the operand (detail::can_take_over). The values and the graph are
// those of the const& forms; an operand passed with std::move is left undefined when taken.
Tensor operator+(Tensor&&, const Tensor&);
Tensor operator-(Tensor&&, const Tensor&);
Tensor operator*(Tensor&&, const Tensor&);
Tensor operator/(Tensor&&, const Tensor&);
Tensor operator+(Tensor&&, double);
Tensor operator-(Tensor&&, double);
Tensor operator*(Tensor&&, double);
Tensor operator/(Tensor&&, double);
Tensor operator+(double, Tensor&&);
Tensor operator-(double, Tensor&&);
Tensor operator*(double, Tensor&&);
Tensor operator/(double, Tensor&&);
Tensor operator<(const Tensor&, const Tensor&);
Tensor operator<=(const Tensor&, const Tensor&);
Tensor operator>(const Tensor&, const Tensor&);
Tensor operator>=(const Tensor&, const Tensor&);
Tensor operator==(const Tensor&, const Tensor&);
Tensor operator!=(const Tensor&, const Tensor&);
Tensor operator<(const Tensor&, double);
Tensor operator<=(const Tensor&, double);
Tensor operator>(const Tensor&, double);
Tensor operator>=(const Tensor&, double);
Tensor operator&&(const Tensor&, const Tensor&);  // logical and/or of Bool tensors
Tensor operator||(const Tensor&, const Tensor&);
Dtype result_type(const Tensor& a, const Tensor& b);  // torch.result_type (0-d rule above)
Tensor maximum(const Tensor&, const Tensor&);
Tensor minimum(const Tensor&, const Tensor&);
Tensor atan2(const Tensor&, const Tensor&);
Tensor fmod(const Tensor&, const Tensor&);       // sign of the dividend (C's fmod)
Tensor remainder(const Tensor&, const Tensor&);  // sign of the divisor (Python's %)
Tensor floor_divide(const Tensor&, const Tensor&);
Tensor hypot(const Tensor&, const Tensor&);
Tensor logaddexp(const Tensor&, const Tensor&);
Tensor lerp(const Tensor& start, const Tensor& end, const Tensor& weight);
Tensor lerp(const Tensor& start, const Tensor& end, double weight);
Tensor tanh_backward(const Tensor& grad, const Tensor& output);     // grad * (1 - output^2)
Tensor sigmoid_backward(const Tensor& grad, const Tensor& output);  // grad * output * (1 - output)

Tensor matmul(const Tensor&, const Tensor&);  // 1-d/2-d/batched, broadcasting batch dims
Tensor outer(const Tensor&, const Tensor&);
Tensor mm(const Tensor&, const Tensor&);   // 2-d only, one dtype
Tensor bmm(const Tensor&, const Tensor&);  // 3-d only, equal batch sizes
Tensor dot(const Tensor&, const Tensor&);  // 1-d only, one dtype
// Einstein summation as torch.einsum: "bij,bjk->bik", "ii->i", "...ij,...jk", implicit output.
// Pairs of operands are contracted through matmul (engine/ops/einsum.cpp).
Tensor einsum(const std::string& equation, const TensorList& operands);
Tensor cross(const Tensor& a, const Tensor& b, int64_t dim = -1);  // dim of size 3
Tensor kron(const Tensor& a, const Tensor& b);
Tensor cat(const TensorList&, int64_t dim);
Tensor stack(const TensorList&, int64_t dim);
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
Tensor diag_embed(const Tensor& v);  // [..., n] -> [..., n, n]
// self with src added at index along dim (torch.scatter_add); index and src have one shape.
Tensor scatter_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src);
// a[..., start:stop:step, ...] along dim (a view; bounds are clamped like Python's).
Tensor slice(const Tensor& a, int64_t dim, int64_t start, int64_t stop,
             int64_t step = 1);  // [..., n] -> [..., n, n]
Tensor broadcast_to(const Tensor&, const Dims& shape);
Dims broadcast_shapes(const Dims& a, const Dims& b);  // ShapeError when incompatible
bool allclose(const Tensor& a, const Tensor& b, double rtol = 1e-5, double atol = 1e-8);
bool equal(const Tensor& a, const Tensor& b);  // same shape and values
std::ostream& operator<<(std::ostream&, const Tensor&);
std::ostream& operator<<(std::ostream&, const Dims&);  // "[2, 3]"
// "[2, 3]" for error messages. Formatting is deferred until the message is built, so
// passing shape_str(...) to check() costs nothing when the check passes. (The result
// refers to its argument: use it within the same expression, or convert to std::string.)
struct ShapeStr {
  const Dims* dims;
  operator std::string() const;
};
inline ShapeStr shape_str(const Dims& d) { return ShapeStr{&d}; }
std::ostream& operator<<(std::ostream&, const ShapeStr&);

}  // namespace paragrad

PARAGRAD_API_END
