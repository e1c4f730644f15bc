// The minimal-tape floor of op_chain (issue 18): what any general reverse-mode engine pays at
// least for the same 100 ops on 4 floats. It is a real tape, reduced to what cannot be left out:
//   - one heap node per op (operator new), holding the op's 4 output values inline, its gradient
//     buffer, a pointer to its input and what it needs for the backward (a scalar);
//   - a tape (a vector of node pointers, reused between iterations) in execution order;
//   - the backward sweep: the tape in reverse, a switch on the op, the chain rule into the input's
//     gradient; then every node deleted.
// No shapes, dtypes, strides, reference counts, versions, grad mode, hooks or broadcasting, and
// the same arithmetic as the raw Eigen side (Eigen::Array4f, Eigen's vectorized tanh), so the gap
// between this and raw Eigen is pure bookkeeping and paragrad's op_chain is reported as a
// multiple of it.
#include <Eigen/Core>
#include <memory>
#include <vector>

#include "common.hpp"
#include "harness.hpp"

namespace {

enum class Op : unsigned char { kLeaf, kMulScalar, kAddScalar, kTanh, kSum };

struct Node {
  Eigen::Array4f value;  // the op's output (sum: in value[0])
  Eigen::Array4f grad = Eigen::Array4f::Zero();
  Node* input = nullptr;
  float scalar = 0;
  Op op = Op::kLeaf;
};

class Tape {
 public:
  Node* push(Op op, Node* input, float scalar = 0) {
    Node* n = new Node;
    n->op = op;
    n->input = input;
    n->scalar = scalar;
    switch (op) {
      case Op::kMulScalar:
        n->value = input->value * scalar;
        break;
      case Op::kAddScalar:
        n->value = input->value + scalar;
        break;
      case Op::kTanh:
        n->value = input->value.tanh();
        break;
      case Op::kSum:
        n->value = Eigen::Array4f::Constant(input->value.sum());
        break;
      case Op::kLeaf:
        break;
    }
    nodes_.push_back(n);
    return n;
  }

  // d(root)/d(every node), seeded with 1 at the root (a scalar), then frees the nodes.
  void backward(Node* root) {
    root->grad = Eigen::Array4f::Ones();
    for (auto it = nodes_.rbegin(); it != nodes_.rend(); ++it) {
      Node* n = *it;
      switch (n->op) {
        case Op::kMulScalar:
          n->input->grad += n->grad * n->scalar;
          break;
        case Op::kAddScalar:
          n->input->grad += n->grad;
          break;
        case Op::kTanh:
          n->input->grad += n->grad * (1 - n->value.square());
          break;
        case Op::kSum:
          n->input->grad += n->grad[0];
          break;
        case Op::kLeaf:
          break;
      }
    }
    for (Node* n : nodes_) delete n;
    nodes_.clear();
  }

 private:
  std::vector<Node*> nodes_;
};

bench::Case op_chain() {
  struct State {
    Node x;  // the leaf: lives outside the tape
    Tape tape;
  };
  auto s = std::make_shared<State>();
  bench::Rng rng(bench::kSeedOpChain);
  s->x.value = bench::randn(rng, bench::kOpChainLen, 1).cast<float>().array();
  return {[s] {
            s->x.grad.setZero();
            Node* y = &s->x;
            for (int i = 0; i < bench::kOpChainReps; ++i)
              y = s->tape.push(
                  Op::kTanh,
                  s->tape.push(Op::kAddScalar, s->tape.push(Op::kMulScalar, y, 1.01f), 0.1f));
            s->tape.backward(s->tape.push(Op::kSum, y));
            bench::do_not_optimize(s->x.grad);
            return double(s->x.grad[0]);
          },
          [s] { return double(s->x.grad.sum()); }};
}
BENCH_SIDE("op_chain", "floor", op_chain);

}  // namespace
