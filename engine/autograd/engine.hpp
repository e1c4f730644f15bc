#pragma once
// Running the backward graph: Tensor::backward() and autograd::grad(); and the version
// counter that tells backward whether what it saved was modified since.
#include <functional>

#include <paragrad/engine/export.hpp>
#include <paragrad/engine/tensor.hpp>

PARAGRAD_API_BEGIN

namespace paragrad::autograd {

// Gradients of outputs with respect to inputs (returned, not accumulated into .grad()).
TensorList grad(const TensorList& outputs, const TensorList& inputs,
                const TensorList& grad_outputs = {}, bool retain_graph = false,
                bool create_graph = false, bool allow_unused = false);

// Runs backward from outputs; with inputs empty, accumulates into every reached leaf's
// .grad(). With inputs given, returns their gradients and touches no .grad().
TensorList run_backward(const TensorList& outputs, const TensorList& grad_outputs,
                        bool retain_graph, bool create_graph, const TensorList& inputs,
                        bool allow_unused);

// Marks t as modified in place, for writes made outside the ops (through data_ptr, Eigen maps,
// a fused optimizer kernel): a backward that saved t (or a tensor sharing its storage) then
// raises instead of using the new values. Every in-place op does this itself.
void increment_version(const Tensor& t);

// Finite-difference check of f's gradient (and gradient-of-gradient when check_grad_grad)
// in float64. Returns true or throws an Error saying which input and element differ.
bool gradcheck(const std::function<Tensor(const TensorList&)>& f, const TensorList& inputs,
               double eps = 1e-6, double atol = 1e-5, double rtol = 1e-3,
               bool check_grad_grad = false);

}  // namespace paragrad::autograd

PARAGRAD_API_END
