#pragma once
// Seeing the backward graph, as micrograd's draw_dot and torchviz's make_dot do.
//
//   Tensor y = (x * w).sum();
//   std::cout << autograd::to_dot(y, {{"x", x}, {"w", w}, {"y", y}});   // Graphviz DOT
//   autograd::print_graph(std::cout, y, {{"x", x}, {"w", w}});          // indented text tree
//
// Both walk the graph the way the engine does: from root.grad_fn() along each node's
// next_edges, skipping empty edges (inputs that need no gradient). Nothing is executed or
// modified, and no recursion is involved, so a graph a million nodes deep is fine.
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include <paragrad/engine/export.hpp>
#include <paragrad/engine/tensor.hpp>

PARAGRAD_API_BEGIN

namespace paragrad::autograd {

// Graphviz DOT of the graph behind root. Nodes, in the order a depth-first walk meets them:
//  - the root tensor ("root": its name from `names`, or "output", and its shape), unless the
//    root is itself a leaf;
//  - one node per backward op ("n0", "n1", ...), labelled with its name (grad_fn_name());
//    a named non-leaf tensor of `names` adds a line "name (shape)" to the op that made it;
//  - one node per leaf that requires grad (the op AccumulateGrad), labelled with the leaf's
//    name from `names` when given, and its shape.
// Edges point from an op to the ops it sends gradients to (next_edges, in order); an edge into
// an op with several outputs (svd's U, S, Vh) is labelled with the output it carries.
// Render with `dot -Tsvg graph.dot -o graph.svg`. ValueError if root is undefined.
std::string to_dot(const Tensor& root, const std::map<std::string, Tensor>& names = {});

// What to_dot adds to the picture.
struct DotOptions {
  // One node per tensor a backward op saved for its backward ("saved 0 (2, 3) float32", in
  // orange), joined to the op by a dashed line: built-in ops and custom autograd::Functions, as
  // long as the tensors are held (a backward without retain_graph frees them).
  bool show_saved = false;
};
std::string to_dot(const Tensor& root, const std::map<std::string, Tensor>& names,
                   const DotOptions& options);

// The same walk as an indented tree, one node a line, two spaces per depth:
//   SumBackward
//     MulBackward
//       AccumulateGrad x (3,)
//       AccumulateGrad w (3,)
// An op reached a second time (the graph is a DAG) is printed once more with
// "(shown above)" and not expanded again. A root without a graph prints one line saying so.
void print_graph(std::ostream& os, const Tensor& root);
void print_graph(std::ostream& os, const Tensor& root, const std::map<std::string, Tensor>& names);

// The names of the nodes in the graph behind root (AccumulateGrad for leaves), sorted, each
// once; empty when root has no graph. (gradcheck logs these: see docs/derivatives.md.)
std::vector<std::string> node_names(const Tensor& root);

}  // namespace paragrad::autograd

PARAGRAD_API_END
