#pragma once
// How an op records its backward rule, right beside its forward:
//
//   Tensor out = <compute forward>;
//   if (needs_grad(a, b))
//     record("MulBackward", out, {a, b}, [sa = SavedTensor(a), sb = SavedTensor(b)](const Tensor&
//     g) {
//       return grad_list(g * sb.unpack(), g * sa.unpack());
//     });
//
// The rule returns one gradient per input (undefined = none), as grad_list(...). It may return
// a gradient in the broadcast shape of the output: the engine sums it down to the input's shape.
// Rules are written in Tensor ops, so with create_graph they are differentiated too.
//
// A single-input rule returns its one gradient as a plain Tensor, with no list; the engine then
// runs the node through apply_one() (node.hpp), which passes the gradient in and out as is. It may
// take its gradient by value, `[](Tensor g)`: the node hands over the engine's handle, and an
// elementwise rule may then write its result over g's elements when nothing else can see them
// (detail::output_for), saving the new tensor:
//
//   record("MulBackward", out, {a}, [s](Tensor g) { return mul_of(g, s, &g); });
//
// (engine/ops/arithmetic.cpp: mul_of is `*` by a scalar with the gradient it may write over).
#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

#include <paragrad/engine/autograd/grad_mode.hpp>
#include <paragrad/engine/autograd/node.hpp>
#include <paragrad/engine/autograd/saved_tensor.hpp>
#include <paragrad/engine/export.hpp>

PARAGRAD_API_BEGIN

namespace paragrad::autograd {

inline bool needs_grad(const Tensor& a) { return a.requires_grad() && is_grad_enabled(); }
template <class... Ts>
bool needs_grad(const Tensor& a, const Ts&... rest) {
  return is_grad_enabled() && (a.requires_grad() || (rest.requires_grad() || ...));
}
bool any_requires_grad(const TensorList& ts);  // grad mode on and some ts requires grad

[[noreturn]] void throw_released(const char* name);

// An empty list with room for n gradients, from this thread's spare lists: the engine hands
// each rule's returned list back (recycle_grad_list) once it has taken the gradients out, so a
// backward pass does not allocate a list per node.
TensorList take_grad_list(size_t n);
void recycle_grad_list(TensorList&& list) noexcept;

// The gradients a rule returns, one per input: grad_list(ga, gb) moves temporaries into the
// list where TensorList{ga, gb} would copy them.
template <class... Ts>
TensorList grad_list(Ts&&... grads) {
  TensorList list = take_grad_list(sizeof...(Ts));
  (list.emplace_back(std::forward<Ts>(grads)), ...);
  return list;
}

// A rule's result as a list: a single-input rule may return its one gradient as a plain Tensor.
inline TensorList as_list(TensorList&& list) { return std::move(list); }
inline TensorList as_list(Tensor&& grad) { return grad_list(std::move(grad)); }

template <class F>
class LambdaNode final : public Node {
  // The rule takes the gradient of one output and returns the one input's gradient.
  static constexpr bool kOneToOne = [] {
    if constexpr (std::is_invocable_v<F&, Tensor&&>)
      return std::is_same_v<std::invoke_result_t<F&, Tensor&&>, Tensor>;
    else
      return false;
  }();

 public:
  LambdaNode(const char* name, F&& f) : name_(name), fn_(std::move(f)) {}
  const char* name() const override { return name_; }
  TensorList apply(TensorList&& grads) override {
    if (!fn_) throw_released(name_);
    if constexpr (kOneToOne)
      return as_list((*fn_)(std::move(grads[0])));
    else if constexpr (std::is_invocable_v<F&, Tensor&&>)
      return (*fn_)(std::move(grads[0]));  // (a `const Tensor&` rule binds to it, moving nothing)
    else
      return as_list((*fn_)(grads));
  }
  Tensor apply_one(Tensor&& grad) override {
    if constexpr (kOneToOne) {
      if (!fn_) throw_released(name_);
      return (*fn_)(std::move(grad));
    } else {
      return Node::apply_one(std::move(grad));
    }
  }
  void release_saved() override { fn_.reset(); }
  std::vector<SavedInfo> saved_info() const override {
    if constexpr (std::is_copy_constructible_v<F>) {
      if (fn_) return SavedTensor::list_saved(*fn_, *this);
    }
    return {};
  }

 private:
  const char* name_;
  std::optional<F> fn_;
};

// Wires a new node (just allocated, no reference yet) into the graph: edges to the inputs,
// outputs' grad_fn to the node.
using TensorRef = std::reference_wrapper<const Tensor>;
void connect(Node* node, const TensorRef* inputs, size_t n_inputs, Tensor* outputs,
             size_t n_outputs);
void connect(Node* node, const Tensor* inputs, size_t n_inputs, Tensor* outputs, size_t n_outputs);
// The same for one input and one output (most ops): no loops, no room to reserve.
void connect_one(Node* node, const Tensor& input, Tensor& output);

// Single output; backward(const Tensor& grad) -> TensorList (one per input). The inputs are
// taken by reference: {a, b} copies no tensor handle.
template <class F>
void record(const char* name, Tensor& out, std::initializer_list<TensorRef> inputs, F&& backward) {
  auto* node = new LambdaNode<std::decay_t<F>>(name, std::forward<F>(backward));
  if (inputs.size() == 1)
    connect_one(node, inputs.begin()->get(), out);
  else
    connect(node, inputs.begin(), inputs.size(), &out, 1);
}
template <class F>
void record(const char* name, Tensor& out, const TensorList& inputs, F&& backward) {
  auto* node = new LambdaNode<std::decay_t<F>>(name, std::forward<F>(backward));
  connect(node, inputs.data(), inputs.size(), &out, 1);
}
// Several outputs; backward(const TensorList& grads) -> TensorList. Undefined entries
// in grads are outputs that received no gradient: treat them as zero.
template <class F>
void record_multi(const char* name, TensorList& outs, const TensorList& inputs, F&& backward) {
  auto* node = new LambdaNode<std::decay_t<F>>(name, std::forward<F>(backward));
  connect(node, inputs.data(), inputs.size(), outs.data(), outs.size());
}

}  // namespace paragrad::autograd

PARAGRAD_API_END
