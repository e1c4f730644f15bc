// from_blob and the checks behind as_eigen / to_eigen / from_eigen (engine/interop.hpp).
#include <paragrad/engine/interop.hpp>

#include <cstdint>
#include <utility>

#include <paragrad/engine/autograd/engine.hpp>
#include <paragrad/engine/autograd/grad_mode.hpp>
#include <paragrad/engine/detail/checked_math.hpp>
#include <paragrad/engine/detail/loops.hpp>

namespace paragrad {

namespace {
bool valid_dtype(Dtype d) { return d == kFloat32 || d == kFloat64 || d == kInt64 || d == kBool; }

Dims to_dims(const Shape& s) { return Dims(s.begin(), s.end()); }

// The bytes a strided window with non-negative strides reaches: (1 + sum (size-1)*stride)
// elements, or 0 without elements. ShapeError naming from_blob when that overflows.
size_t extent_bytes(const Dims& sizes, const Dims& strides, Dtype dtype) {
  int64_t numel = 0;
  check<ShapeError>(detail::numel_ok(sizes, numel), "from_blob: shape ", shape_str(sizes),
                    " has more elements than int64 can count");
  if (numel == 0) return 0;
  int64_t last = 0, step = 0;
  bool ok = true;
  for (size_t i = 0; i < sizes.size(); ++i)
    ok = ok && detail::mul_ok(sizes[i] - 1, strides[i], step) && detail::add_ok(last, step, last);
  int64_t bytes = 0;
  ok = ok && detail::add_ok(last, 1, last) &&
       detail::mul_ok(last, int64_t(element_size(dtype)), bytes);
  check<ShapeError>(ok, "from_blob: shape ", shape_str(sizes), " with strides ", shape_str(strides),
                    " reaches beyond the int64 range of ", dtype_name(dtype), " elements");
  return size_t(bytes);
}

Tensor blob(void* data, const Dims& sizes, const Dims& strides, Dtype dtype,
            std::function<void(void*)> deleter) {
  check<DtypeError>(valid_dtype(dtype), "from_blob: unknown dtype ", int(dtype));
  for (int64_t s : sizes)
    check<ShapeError>(s >= 0, "from_blob: negative size in shape ", shape_str(sizes));
  check<ShapeError>(strides.size() == sizes.size(), "from_blob: ", strides.size(), " strides ",
                    shape_str(strides), " for the ", sizes.size(), "-d shape ", shape_str(sizes));
  for (int64_t s : strides)
    check<ValueError>(s >= 0, "from_blob: negative strides are not supported, got strides ",
                      shape_str(strides), " for shape ", shape_str(sizes));
  const size_t nbytes = extent_bytes(sizes, strides, dtype);
  check<ValueError>(data != nullptr || nbytes == 0, "from_blob: data is a null pointer for a ",
                    dtype_name(dtype), " tensor of shape ", shape_str(sizes));
  check<ValueError>(reinterpret_cast<uintptr_t>(data) % element_size(dtype) == 0,
                    "from_blob: data pointer ", data, " is not aligned to ", element_size(dtype),
                    " bytes, as ", dtype_name(dtype), " elements need (shape ", shape_str(sizes),
                    ")");
  IntrusivePtr<Storage> storage = Storage::wrap(data, nbytes, std::move(deleter));
  return Tensor(make_intrusive<TensorImpl>(std::move(storage), sizes, strides, 0, dtype));
}
}  // namespace

Tensor from_blob(void* data, Shape shape, Dtype dtype, std::function<void(void*)> deleter) {
  const Dims sizes = to_dims(shape);
  detail::check_shape("from_blob", sizes);
  return blob(data, sizes, contiguous_strides(sizes), dtype, std::move(deleter));
}

Tensor from_blob(void* data, Shape shape, Shape strides, Dtype dtype,
                 std::function<void(void*)> deleter) {
  return blob(data, to_dims(shape), to_dims(strides), dtype, std::move(deleter));
}

namespace detail {

MatrixWindow matrix_window(const Tensor& t, Dtype want, const char* op, bool contiguous,
                           bool write) {
  check_defined(op, t);
  check<DtypeError>(t.dtype() == want, op, ": tensor is ", dtype_name(t.dtype()), ", asked for ",
                    dtype_name(want), " (shape ", shape_str(t.sizes()), ")");
  const int64_t d = t.dim();
  check<ShapeError>(d == 1 || d == 2, op, ": expected a 1-d or 2-d tensor, got shape ",
                    shape_str(t.sizes()));
  const Dims& sz = t.sizes();
  const Dims& st = t.strides();
  MatrixWindow w{t.impl()->raw_data(), sz[0], d == 2 ? sz[1] : 1, st[0], d == 2 ? st[1] : 1};
  check<ValueError>(!contiguous || t.is_contiguous(), op, ": the tensor of shape ", shape_str(sz),
                    " with strides ", shape_str(st),
                    " is not contiguous (use as_eigen_strided, or contiguous() for a copy)");
  if (write) {
    check<AutogradError>(!(t.requires_grad() && is_grad_enabled()), op,
                         ": a tensor that requires grad (shape ", shape_str(sz),
                         ") cannot be written through a map; use NoGradGuard or detach()");
    // As PyTorch's in-place ops: a view in which two elements share memory (expand) cannot
    // be written.
    const bool overlap = (w.rows > 1 && w.row_stride == 0) || (w.cols > 1 && w.col_stride == 0);
    check<ValueError>(!overlap, op, ": more than one element of the tensor of shape ",
                      shape_str(sz), " (strides ", shape_str(st),
                      ") refers to a single memory location; clone() it first");
    autograd::increment_version(t);
  }
  return w;
}

Tensor eigen_result(int64_t rows, int64_t cols, bool vector, Dtype dtype) {
  return empty_for("from_eigen", vector ? Dims{rows * cols} : Dims{rows, cols}, dtype);
}

}  // namespace detail

}  // namespace paragrad
