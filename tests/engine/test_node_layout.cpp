// The sizes docs/autograd.md §8 ("Memory per op") quotes for a graph node, on the platform it
// quotes them for (x86-64, GCC): what bench/ deep_chain_memory measures per op is one such node.
// A change to the node's layout must update that section (and this test) with it.
#include <catch2/catch.hpp>
#include <paragrad/engine/autograd/function.hpp>
#include <paragrad/paragrad.hpp>

#include "skip.hpp"

using namespace paragrad;

TEST_CASE("a graph node has the size docs/autograd.md quotes", "[node_layout]") {
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
  CHECK(sizeof(autograd::Node) == 160);
  CHECK(sizeof(autograd::Node::outputs) == 64);
  CHECK(sizeof(autograd::Node::next_edges) == 40);
  CHECK(sizeof(autograd::Node::task) == 32);
  // A built-in op's node: the rule's name and captures on top (add captures nothing, mul by a
  // scalar captures the scalar).
  auto add_rule = [](const Tensor& g) { return TensorList{g}; };
  auto mul_rule = [s = 1.0](const Tensor& g) { return TensorList{g * s}; };
  CHECK(sizeof(autograd::LambdaNode<decltype(add_rule)>) == 176);
  CHECK(sizeof(autograd::LambdaNode<decltype(mul_rule)>) == 184);
#else
  PARAGRAD_SKIP("the quoted sizes are those of x86-64 with GCC");
#endif
}
