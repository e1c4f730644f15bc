#pragma once
// Custom ops with their own backward, as LibTorch's torch::autograd::Function<T>:
//
//   struct Cube : autograd::Function<Cube> {
//     static Tensor forward(AutogradContext* ctx, const Tensor& x) {
//       ctx->save_for_backward({x});
//       return x * x * x;
//     }
//     static TensorList backward(AutogradContext* ctx, TensorList g) {
//       auto x = ctx->get_saved_variables()[0];
//       return {g[0] * 3 * x * x};
//     }
//   };
//   Tensor y = Cube::apply(x);   // y.grad_fn_name() == "CubeBackward"
//
// forward runs under NoGradGuard and returns a Tensor or a TensorList. Its arguments may be
// Tensors, TensorLists (each element is an input) and anything else (passed through, no
// gradient). backward receives one gradient per output (zeros for an output that got none,
// unless set_materialize_grads(false)) and returns one gradient per forward argument, the
// elements of a TensorList argument counted one by one, undefined for a non-tensor argument
// or an input that needs none. Rules written in Tensor ops are differentiable (create_graph).
// The outputs get the new node as grad_fn only when grad mode is on and some input requires
// grad. The node is named "<T>Backward" (T's name without namespaces), or T::name() if T
// declares `static std::string name()` (or const char*). See docs/writing-ops.md.
#include <any>
#include <initializer_list>
#include <map>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <unordered_set>
#include <utility>
#include <vector>

#include <paragrad/engine/autograd/grad_mode.hpp>
#include <paragrad/engine/autograd/node.hpp>
#include <paragrad/engine/autograd/saved_tensor.hpp>
#include <paragrad/engine/export.hpp>

PARAGRAD_API_BEGIN

namespace paragrad::autograd {

class CustomNode;

// What forward hands to backward; one per call of apply().
class AutogradContext {
 public:
  AutogradContext() = default;
  AutogradContext(const AutogradContext&) = delete;
  AutogradContext& operator=(const AutogradContext&) = delete;

  // Non-tensor state for backward (torch's ctx->saved_data): ctx->saved_data["k"] = 2.0; then
  // std::any_cast<double>(ctx->saved_data["k"]). Tensors belong in save_for_backward.
  std::map<std::string, std::any> saved_data;

  // Tensors backward will need (inputs, outputs, or undefined). Call it once, in forward; they
  // are checked at get_saved_variables() as built-in ops check theirs: a tensor modified in
  // place since raises AutogradError naming this function.
  void save_for_backward(TensorList to_save);
  // In backward: the saved tensors, in the order given. A saved output comes back with this
  // node as its grad_fn under create_graph, so a rule using it stays differentiable.
  TensorList get_saved_variables() const;

  // Outputs that get no gradient (indices, masks): they do not require grad, and backward
  // receives zeros (or undefined) for them.
  void mark_non_differentiable(const TensorList& outputs);
  // Inputs forward modified in place; each must also be returned as an output. Their version
  // counter is bumped and this node becomes their history (not supported for views).
  void mark_dirty(const TensorList& inputs);
  // false: backward receives undefined gradients for outputs that got none (default true:
  // zeros of the output's shape and dtype).
  void set_materialize_grads(bool value) { materialize_grads_ = value; }

  // Whether argument i's gradient is needed: false for a non-tensor argument, an input that
  // does not require grad, and, in a backward pass, an input the pass does not lead to (e.g.
  // an input autograd::grad was not asked about). i counts as backward's result does.
  bool needs_input_grad(size_t i) const;
  // Any of the half-open ranges [first, second) (LibTorch's IndexRange overload).
  bool needs_input_grad(std::initializer_list<std::pair<size_t, size_t>> ranges) const;

 private:
  friend class CustomNode;
  struct SavedMeta {  // for to_dot: what a saved tensor looked like when saved
    Dims shape;
    Dtype dtype;
    bool defined;
    bool is_output;
  };
  CustomNode* node_ = nullptr;  // the node this context belongs to (it owns the context)
  TensorList to_save_;          // between save_for_backward and the end of apply()
  std::vector<SavedTensor> saved_;
  std::vector<SavedMeta> saved_meta_;
  bool has_saved_ = false;
  bool released_ = false;
  bool materialize_grads_ = true;
  std::unordered_set<const TensorImpl*> non_differentiable_;
  std::unordered_set<const TensorImpl*> dirty_;
};

// The backward node of a custom Function (non-template part, custom_function.cpp).
class CustomNode final : public Node {
 public:
  using Backward = TensorList (*)(AutogradContext*, TensorList);
  CustomNode(std::string name, Backward backward);
  const char* name() const override { return name_.c_str(); }
  TensorList apply(TensorList&& grads) override;
  void release_saved() override;

  AutogradContext ctx;

  // apply()'s steps: the arguments (before forward), then the outputs (after it).
  void add_input(const Tensor& t);
  void add_input(const TensorList& ts);
  void add_non_tensor() { is_tensor_.push_back(false); }
  void connect_inputs();  // edges, when the call is recorded
  TensorList wrap_outputs(TensorList outputs);
  Tensor wrap_output(Tensor output);
  bool recorded() const { return recorded_; }
  // Edge index of forward argument i (counted as backward's result), or -1 for a non-tensor.
  int64_t edge_of(size_t i) const;

  // For to_dot: index, shape, dtype of each saved tensor (undefined ones skipped).
  std::vector<SavedInfo> saved_info() const override;

 private:
  std::string name_;
  Backward backward_;
  TensorList inputs_;  // until the outputs are wrapped
  std::vector<bool> is_tensor_;
  std::vector<Dims> input_shapes_;  // per edge
  std::vector<bool> output_defined_;
  bool recorded_ = false;
};

namespace detail {

std::string demangle(const char* mangled);
// "CubeBackward" from "ns::Cube", namespaces and enclosing functions dropped.
std::string backward_name(const std::string& type_name);

template <class T, class = void>
struct has_name : std::false_type {};
template <class T>
struct has_name<T, std::void_t<decltype(T::name())>> : std::true_type {};

template <class T>
std::string function_name() {
  if constexpr (has_name<T>::value)
    return std::string(T::name());
  else
    return backward_name(demangle(typeid(T).name()));
}

template <class A>
void add_argument(CustomNode& node, const A& a) {
  using D = std::decay_t<A>;
  if constexpr (std::is_same_v<D, Tensor> || std::is_same_v<D, TensorList>)
    node.add_input(a);
  else
    node.add_non_tensor();
}

}  // namespace detail

template <class T>
struct Function {
  // Runs T::forward(ctx, args...) under NoGradGuard and records T::backward for its outputs.
  template <class X = T, class... Args>
  static auto apply(Args&&... args)
      -> std::enable_if_t<std::is_same_v<X, T>,
                          decltype(X::forward(static_cast<AutogradContext*>(nullptr),
                                              std::forward<Args>(args)...))> {
    using Out =
        decltype(X::forward(static_cast<AutogradContext*>(nullptr), std::forward<Args>(args)...));
    static_assert(
        std::is_same_v<std::decay_t<Out>, Tensor> || std::is_same_v<std::decay_t<Out>, TensorList>,
        "autograd::Function: forward must return a Tensor or a TensorList");
    NodePtr owner = NodePtr::from_new(new CustomNode(detail::function_name<X>(), &call_backward));
    auto& node = static_cast<CustomNode&>(*owner);
    (detail::add_argument(node, args), ...);
    node.connect_inputs();
    std::decay_t<Out> out;
    {
      NoGradGuard no_grad;
      out = X::forward(&node.ctx, std::forward<Args>(args)...);
    }
    if constexpr (std::is_same_v<std::decay_t<Out>, Tensor>)
      return node.wrap_output(std::move(out));
    else
      return node.wrap_outputs(std::move(out));
  }

 private:
  static TensorList call_backward(AutogradContext* ctx, TensorList grads) {
    return T::backward(ctx, std::move(grads));
  }
};

}  // namespace paragrad::autograd

PARAGRAD_API_END
