// Tensor basics: layout bookkeeping, metadata, conversions, autograd entry points.
#include <paragrad/engine/tensor.hpp>

#include <cstring>
#include <new>
#include <sstream>

#include <paragrad/engine/autograd/engine.hpp>
#include <paragrad/engine/autograd/function.hpp>
#include <paragrad/engine/branch_hints.hpp>
#include <paragrad/engine/detail/checked_math.hpp>
#include <paragrad/engine/detail/loops.hpp>
#include <paragrad/engine/detail/shared_block.hpp>

namespace paragrad {

void throw_undefined(const char* op, int which) {
  throw ValueError(cat(op, which > 0 ? cat(": argument ", which, " is an") : std::string(":"),
                       " undefined tensor (a default-constructed Tensor, or grad() before any "
                       "backward)"));
}

// Callers validate new shapes with detail::check_shape first (naming their op); the check
// here only keeps an unvalidated shape from overflowing.
Dims contiguous_strides(const Dims& sizes) {
  Dims st(sizes.size(), 1);
  int64_t acc = 1;
  for (size_t i = sizes.size(); i-- > 0;) {
    st[i] = acc;
    check<ShapeError>(detail::mul_ok(acc, sizes[i] > 0 ? sizes[i] : 1, acc), "shape ",
                      shape_str(sizes), " is too large: its strides overflow int64");
  }
  return st;
}

TensorImpl::TensorImpl(IntrusivePtr<Storage> storage, Dims sizes, Dims strides, int64_t offset,
                       Dtype dtype)
    : storage(std::move(storage)),
      sizes(std::move(sizes)),
      strides(std::move(strides)),
      offset(offset),
      dtype(dtype) {
  recompute_layout();
}

TensorImpl::TensorImpl(Contiguous, IntrusivePtr<Storage> storage, const Dims& sizes, int64_t numel,
                       Dtype dtype)
    : storage(std::move(storage)),
      sizes(sizes),
      strides(sizes),
      offset(0),
      numel(numel),
      dtype(dtype),
      contiguous(true) {
  // Row-major strides; no overflow: the product of the non-zero sizes fits int64.
  int64_t acc = 1;
  for (size_t i = strides.size(); i-- > 0;) {
    const int64_t s = strides[i];
    strides[i] = acc;
    acc *= s > 0 ? s : 1;
  }
}

TensorImpl::TensorImpl(SameLayout, const TensorImpl& src)
    : storage(src.storage),
      sizes(src.sizes),
      strides(src.strides),
      offset(src.offset),
      numel(src.numel),
      dtype(src.dtype),
      contiguous(src.contiguous) {}

TensorImpl::~TensorImpl() {
  if (hooks.load(std::memory_order_acquire)) autograd::drop_tensor_hooks(*this);
}

namespace {
// A shared block: its count, the header, then the storage with the elements.
constexpr size_t kImplInBlock = detail::kSharedBlockHeader;
constexpr size_t kStorageInBlock = kImplInBlock + (sizeof(TensorImpl) + 15) / 16 * 16;
static_assert(kStorageInBlock < 65536, "the storage's offset is kept in 16 bits");

Storage* storage_in_block(TensorImpl* t) {
  return reinterpret_cast<Storage*>(reinterpret_cast<unsigned char*>(t) - kImplInBlock +
                                    kStorageInBlock);
}
}  // namespace

// (flatten: the header's constructor is built in place here, not called: every op's new output
// comes this way, and the call cost op_chain about 2%; one-off driver, alternating pairs.)
[[gnu::flatten]] IntrusivePtr<TensorImpl> TensorImpl::make_contiguous(const Dims& sizes,
                                                                      int64_t numel, Dtype dtype,
                                                                      size_t nbytes,
                                                                      const char* op) {
  const size_t bytes = kStorageInBlock + kStorageHeader + nbytes;
  if (PARAGRAD_UNLIKELY(bytes > detail::kMaxSmallBlock))
    return make_intrusive<TensorImpl>(Contiguous{}, Storage::allocate(nbytes, op), sizes, numel,
                                      dtype);
  void* block = nullptr;
  try {
    block = detail::small_alloc(bytes);
  } catch (const std::bad_alloc&) {  // (as Storage::allocate says it)
    throw ValueError(cat(op, ": cannot allocate ", nbytes, " bytes: out of memory"));
  }
  // Counts the storage alone until the header is built: if building it throws, the storage's
  // release frees the block.
  new (block) detail::SharedBlock{{1}, uint32_t(bytes)};
  auto* at = static_cast<unsigned char*>(block);
  auto* s = ::new (at + kStorageInBlock) Storage(at + kStorageInBlock + kStorageHeader, nbytes);
  s->block_offset_ = kStorageInBlock;
  auto* t = ::new (at + kImplInBlock)
      TensorImpl(Contiguous{}, IntrusivePtr<Storage>::from_new(s), sizes, numel, dtype);
  static_cast<detail::SharedBlock*>(block)->users.store(2, std::memory_order_relaxed);
  t->in_block = true;
  return IntrusivePtr<TensorImpl>::from_new(t);
}

void IntrusiveDeleter<TensorImpl>::destroy(TensorImpl* t) noexcept {
  if (!t->in_block) {
    delete t;
    return;
  }
  void* block = reinterpret_cast<unsigned char*>(t) - kImplInBlock;
  Storage* own = storage_in_block(t);
  if (PARAGRAD_LIKELY(t->storage.get() == own && own->sole_reference())) {
    // The header holds its block's storage alone: both go now, the count untouched.
    const uint32_t bytes = static_cast<detail::SharedBlock*>(block)->bytes;
    t->storage.release();
    t->~TensorImpl();
    own->~Storage();
    static_cast<detail::SharedBlock*>(block)->~SharedBlock();
    detail::small_free(block, bytes);
    return;
  }
  t->~TensorImpl();
  detail::leave_shared_block(block);
}

void TensorImpl::recompute_layout() {
  // Ops check their shapes (naming themselves) before they get here; this keeps numel exact.
  check<ShapeError>(detail::numel_ok(sizes, numel), "shape ", shape_str(sizes),
                    " has more elements than int64 can count");
  contiguous = true;
  int64_t expected = 1;
  for (size_t i = sizes.size(); i-- > 0;) {
    if (sizes[i] == 1) continue;
    if (strides[i] != expected) {
      contiguous = false;
      break;
    }
    expected *= sizes[i];
  }
  if (numel == 0) contiguous = true;
}

ShapeStr::operator std::string() const {
  std::ostringstream os;
  os << *dims;
  return os.str();
}
std::ostream& operator<<(std::ostream& os, const ShapeStr& s) { return os << *s.dims; }

std::ostream& operator<<(std::ostream& os, const Dims& d) {
  os << '[';
  for (size_t i = 0; i < d.size(); ++i) os << (i ? ", " : "") << d[i];
  return os << ']';
}

Shape Tensor::shape() const {
  const Dims& s = get("shape").sizes;
  return Shape(s.begin(), s.end());
}

int64_t Tensor::size(int64_t d) const {
  const int64_t n = int64_t(get("size").sizes.size());
  check<IndexError>(d >= -n && d < n, "size: dimension ", d, " out of range for a tensor of shape ",
                    shape_str(sizes()));
  return impl_->sizes[size_t(d < 0 ? d + n : d)];
}

void throw_data_ptr_dtype(Dtype has, Dtype asked) {
  throw DtypeError(cat("data_ptr: tensor is ", dtype_name(has), ", asked for ", dtype_name(asked)));
}
template float* Tensor::data_ptr<float>() const;
template double* Tensor::data_ptr<double>() const;
template int64_t* Tensor::data_ptr<int64_t>() const;
template bool* Tensor::data_ptr<bool>() const;

template <class T>
T Tensor::item() const {
  check_defined("item", *this);
  check<ValueError>(numel() == 1, "item: only one-element tensors can be converted, got shape ",
                    shape_str(sizes()));
  return dispatch(dtype(), [&](auto tag) {
    using S = decltype(tag);
    const S v = *impl_->data<S>();
    // As LibTorch's item<T>(): a value T cannot hold (NaN or 1e300 as int64, 1e300 as float,
    // 2^40 as int) raises instead of converting to garbage.
    if constexpr (std::is_floating_point<S>::value)
      return detail::checked_convert<T>(double(v), "item");
    else if constexpr (std::is_same<S, int64_t>::value && std::is_same<T, int>::value)
      check<ValueError>(v >= INT32_MIN && v <= INT32_MAX, "item: value ", v,
                        " cannot be converted to type int without overflow");
    return static_cast<T>(v);
  });
}
template float Tensor::item<float>() const;
template double Tensor::item<double>() const;
template int64_t Tensor::item<int64_t>() const;
template bool Tensor::item<bool>() const;
template int Tensor::item<int>() const;

std::vector<double> Tensor::tolist() const {
  check_defined("tolist", *this);
  std::vector<double> out;
  out.reserve(size_t(numel()));
  dispatch(dtype(), [&](auto tag) {
    using T = decltype(tag);
    detail::for_each_element<T>(*this, [&](T v) { out.push_back(double(v)); });
  });
  return out;
}

void Tensor::check_to_eigen() const {
  check_defined("to_eigen", *this);
  check<ShapeError>(dim() == 1 || dim() == 2, "to_eigen: expected a 1-d or 2-d tensor, got shape ",
                    shape_str(sizes()));
}

Tensor Tensor::detach() const {
  check_defined("detach", *this);
  return Tensor(make_intrusive<TensorImpl>(TensorImpl::SameLayout{}, *impl_));
}

Tensor& Tensor::requires_grad_(bool on) {
  check_defined("requires_grad_", *this);
  check<AutogradError>(!on || is_floating_point(), "requires_grad_: only floating tensors can ",
                       "require gradients, got ", dtype_name(dtype()));
  check<AutogradError>(on || is_leaf(), "requires_grad_: can only change requires_grad of a leaf; ",
                       "use detach() for a non-leaf");
  impl_->requires_grad = on;
  return *this;
}

Tensor Tensor::grad() const { return Tensor(get("grad").grad); }
void Tensor::zero_grad() {
  check_defined("zero_grad", *this);
  impl_->grad.reset();
}

void Tensor::backward(const Tensor& gradient, bool retain_graph, bool create_graph) const {
  check_defined("backward", *this);
  autograd::run_backward({*this}, {gradient}, retain_graph || create_graph, create_graph, {},
                         false);
}

std::string Tensor::grad_fn_name() const {
  get("grad_fn_name");
  const NodePtr& fn = grad_fn();
  return fn ? fn->name() : "";
}

}  // namespace paragrad
