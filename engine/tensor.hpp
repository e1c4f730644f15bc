#pragma once
// The Tensor handle: a cheap-to-copy reference to a TensorImpl. Copies share data and
// autograd state. Every op here records its backward rule when a gradient is needed;
// each op's forward and backward live together in engine/ops/<family>.cpp.
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iosfwd>
#include <string>
#include <tuple>
#include <vector>

#include <Eigen/Core>

#include <paragrad/engine/dtype.hpp>
#include <paragrad/engine/error.hpp>
#include <paragrad/engine/indexing.hpp>
#include <paragrad/engine/tensor_impl.hpp>

namespace paragrad {

using Shape = std::vector<int64_t>;
class Tensor;
using TensorList = std::vector<Tensor>;

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(IntrusivePtr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // --- metadata
  Shape shape() const;
  const Dims& sizes() const { return impl_->sizes; }  // no allocation; prefer in hot code
  const Dims& strides() const { return impl_->strides; }
  int64_t dim() const { return int64_t(impl_->sizes.size()); }
  int64_t numel() const { return impl_->numel; }
  int64_t size(int64_t d) const;
  Dtype dtype() const { return impl_->dtype; }
  bool defined() const { return bool(impl_); }
  bool is_contiguous() const { return impl_->contiguous; }
  bool is_floating_point() const { return is_floating(impl_->dtype); }
  TensorImpl* impl() const { return impl_.get(); }
  const IntrusivePtr<TensorImpl>& impl_ptr() const { return impl_; }
  bool is_same(const Tensor& o) const { return impl_ == o.impl_; }
  template <class T>
  T* data_ptr() const;  // typed pointer to the first element; T must match dtype

  // --- values
  template <class T>
  T item() const;  // 0-d or one-element tensors; T in float, double, int64_t, bool
  Eigen::MatrixXd to_eigen() const;    // 2-d (or 1-d as a column)
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
  bool is_leaf() const { return !grad_fn(); }
  std::string grad_fn_name() const;
  const NodePtr& grad_fn() const {
    return impl_->view_base ? autograd::view_grad_fn(*impl_) : impl_->grad_fn;
  }
  uint32_t output_nr() const { return impl_->output_nr; }
  uint32_t version() const { return impl_->storage->version(); }

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
  IntrusivePtr<TensorImpl> impl_;
};

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
Tensor from_eigen(const Eigen::MatrixXf&);
Tensor from_eigen(const Eigen::MatrixXd&);
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
Tensor tanh_backward(const Tensor& grad, const Tensor& output);     // grad * (1 - output^2)
Tensor sigmoid_backward(const Tensor& grad, const Tensor& output);  // grad * output * (1 - output)

Tensor matmul(const Tensor&, const Tensor&);  // 1-d/2-d/batched, broadcasting batch dims
Tensor outer(const Tensor&, const Tensor&);
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
