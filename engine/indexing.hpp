#pragma once
// The pieces of t.index({...}), as in LibTorch: integers, Slice(start, stop, step),
// Ellipsis, None and tensors (Int64 indices or Bool masks: advanced indexing).
// `U.index({Ellipsis, Slice(), 0})` is PyTorch's `U[..., :, 0]`.
#include <cstdint>
#include <optional>

#include <paragrad/engine/export.hpp>
#include <paragrad/engine/tensor_impl.hpp>

PARAGRAD_API_BEGIN

namespace paragrad {

class Tensor;
namespace indexing {

struct EllipsisIndexType {};
inline constexpr EllipsisIndexType Ellipsis{};
struct NoneIndexType {};
inline constexpr NoneIndexType None{};

// One bound of a Slice: an integer, or None / std::nullopt for "open".
struct SliceBound {
  SliceBound(int64_t v) : value(v) {}
  SliceBound(int v) : value(v) {}
  SliceBound(NoneIndexType) {}
  SliceBound(std::nullopt_t) {}
  SliceBound(std::optional<int64_t> v) : value(v) {}
  std::optional<int64_t> value;
};

struct Slice {
  Slice(SliceBound start = None, SliceBound stop = None, SliceBound step = None)
      : start(start.value), stop(stop.value), step(step.value) {}
  std::optional<int64_t> start, stop, step;
};

class TensorIndex {
 public:
  enum class Kind { Integer, Slice, Ellipsis, None, Tensor };
  TensorIndex(int64_t i) : kind_(Kind::Integer), integer_(i) {}
  TensorIndex(int i) : kind_(Kind::Integer), integer_(i) {}
  TensorIndex(Slice s) : kind_(Kind::Slice), slice_(s) {}
  TensorIndex(EllipsisIndexType) : kind_(Kind::Ellipsis) {}
  TensorIndex(NoneIndexType) : kind_(Kind::None) {}
  TensorIndex(const paragrad::Tensor& t);  // Int64 indices or a Bool mask

  Kind kind() const { return kind_; }
  int64_t integer() const { return integer_; }
  const Slice& slice() const { return slice_; }
  paragrad::Tensor tensor() const;

 private:
  Kind kind_;
  int64_t integer_ = 0;
  Slice slice_;
  IntrusivePtr<TensorImpl> tensor_;
};

}  // namespace indexing

using indexing::Ellipsis;
using indexing::None;
using indexing::Slice;
using indexing::TensorIndex;

}  // namespace paragrad

PARAGRAD_API_END
