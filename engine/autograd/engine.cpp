// The backward pass. Three steps, none recursive:
//  1. walk the graph from the roots and count, for every node, how many edges lead
//     into it (its dependencies). For autograd::grad, also mark the nodes that lead to a
//     requested input: only those run (PyTorch computes the same `needed` set);
//  2. seed the roots' gradient buffers;
//  3. run nodes whose dependencies reached zero, adding each returned gradient into
//     the buffer of the node its edge points to.
// The per-pass scratch (dependency count, gradient buffer) and what lets several passes run
// at once on graphs that share nodes are in graph_task.hpp.
#include <paragrad/engine/autograd/engine.hpp>

#include <optional>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <paragrad/engine/autograd/anomaly.hpp>
#include <paragrad/engine/autograd/function.hpp>
#include <paragrad/engine/autograd/graph_task.hpp>
#include <paragrad/engine/autograd/hooks.hpp>
#include <paragrad/engine/branch_hints.hpp>
#include <paragrad/engine/detail/elementwise.hpp>

namespace paragrad::autograd {

namespace {

// A pass's roots (usually one: `loss.backward()`) and its stacks of nodes, inline up to a small
// size: a backward pass allocates nothing for them on the heap unless the graph is wide.
using Roots = SmallVec<Edge, 1>;
using NodeStack = SmallVec<Node*, 16>;

// Brings a gradient to the shape and dtype the node's output had (conform, below).
Tensor conform_slow(Tensor g, const OutputMeta& meta, const Node* n) {
  Tensor r = std::move(g);
  if (r.sizes() != meta.shape) {
    try {
      r = r.sum_to(meta.shape);
    } catch (const Error&) {
      throw AutogradError(cat(n->name(), ": got a gradient of shape ", shape_str(r.sizes()),
                              " for an output of shape ", shape_str(meta.shape)));
    }
  }
  if (r.dtype() != meta.dtype) r = r.to(meta.dtype);
  return r;
}
// Most gradients already have their output's shape and dtype: those pass through inline.
inline Tensor conform(Tensor&& g, const OutputMeta& meta, const Node* n) {
  const TensorImpl* impl = g.impl();
  if (impl->dtype == meta.dtype && impl->sizes == meta.shape) return std::move(g);
  return conform_slow(std::move(g), meta, n);
}

// A second gradient for the same input: added into the first one's elements when the engine
// holds the only reference to them (detail::can_write_over), as PyTorch's InputBuffer does;
// false when it cannot be (then slot + g makes a new tensor).
bool add_into_own(const Tensor& slot, const Tensor& g) {
  return detail::can_write_over(slot, g.sizes(), g.dtype()) && detail::axpy_flat(slot, g, 1.0);
}

// Runs node n on the gradients of its outputs: first the non-leaf tensors' hooks on them
// (hooks.hpp), then apply(); under anomaly mode, checks what it returned (anomaly.hpp).
template <bool anomaly>
TensorList apply_node(Node& n, TensorList& grads) {
  run_node_hooks(n, grads);
  CurrentNodeScope scope(&n);
  TensorList input_grads = n.apply(std::move(grads));
  if (input_grads.size() != n.next_edges.size()) throw_gradient_count(n, input_grads.size());
  if constexpr (anomaly) check_anomaly(n, input_grads);
  return input_grads;
}

// Marks the nodes that lead to a captured node (a requested input's): they are `needed`, the
// others do not run. A depth-first walk, post-order, with an explicit stack.
void mark_needed(GraphTask& task, const Roots& roots) {
  struct Frame {
    Node* node;
    NodeTask* t;
    size_t next_edge;
  };
  std::vector<Frame> stack;
  auto enter = [&](Node* n) {
    NodeTask* t = task.find(n);
    t->reached = true;
    t->needed = false;
    stack.push_back(Frame{n, t, 0});
  };
  for (const Edge& root : roots) {
    if (!root.fn || task.find(root.fn.get())->reached) continue;
    enter(root.fn.get());
    while (!stack.empty()) {
      Frame& f = stack.back();
      if (f.next_edge == f.node->next_edges.size()) {
        const bool leads = f.t->needed || f.t->captured;
        stack.pop_back();
        if (leads && !stack.empty()) stack.back().t->needed = true;
        continue;
      }
      Node* c = f.node->next_edges[f.next_edge++].fn.get();
      if (!c) continue;
      NodeTask* ct = task.find(c);
      if (!ct->reached)
        enter(c);  // (invalidates f)
      else if (ct->needed || ct->captured)
        f.t->needed = true;
    }
  }
}

thread_local GraphTask* running_task = nullptr;  // the pass running nodes on this thread
thread_local Node* running_node = nullptr;       // the node whose rule runs (current_node)

// A pass that raises (a node's rule, a version check, a hook) leaves the gradients that reached
// nodes it had not run yet in those nodes' buffers (NodeTask::buffer lives on the node while
// the pass holds the scratch token). Under create_graph such a gradient has a grad_fn whose
// graph holds the forward graph (through saved tensors), which holds the node: a reference
// cycle that is never freed. PyTorch keeps its input buffers in the GraphTask, which the error
// destroys; this empties them when the pass unwinds. Error path only: no cost on the hot path.
class DropBuffersOnThrow {
 public:
  DropBuffersOnThrow(GraphTask& task, const Roots& roots) : task_(task), roots_(roots) {}
  DropBuffersOnThrow(const DropBuffersOnThrow&) = delete;
  DropBuffersOnThrow& operator=(const DropBuffersOnThrow&) = delete;
  void disarm() { armed_ = false; }
  ~DropBuffersOnThrow() {
    if (!armed_) return;
    try {
      std::vector<Node*> stack;
      std::unordered_set<Node*> seen;
      auto enter = [&](Node* n) {
        NodeTask* t = n ? task_.find(n) : nullptr;
        if (!t || !seen.insert(n).second) return;
        t->buffer.clear();
        stack.push_back(n);
      };
      for (const Edge& e : roots_) enter(e.fn.get());
      while (!stack.empty()) {
        Node* n = stack.back();
        stack.pop_back();
        for (const Edge& e : n->next_edges) enter(e.fn.get());
      }
    } catch (...) {  // (out of memory while unwinding: keep the first error)
    }
  }

 private:
  GraphTask& task_;
  const Roots& roots_;
  bool armed_ = true;
};

}  // namespace

namespace {
// The spare lists of take_grad_list, per thread. `spares_gone` (trivially destructible, so
// readable to the end) is set once the thread's spares are destroyed: a backward run from
// another thread-local destructor after that allocates its lists as usual.
constexpr size_t kSpareLists = 16;
thread_local bool spares_gone = false;
struct SpareLists {
  ~SpareLists() { spares_gone = true; }
  TensorList lists[kSpareLists];
  size_t count = 0;
};
thread_local SpareLists spare_lists;
}  // namespace

// (Out of line: inlined, the reallocation would make every call save and restore the registers
// it needs.)
__attribute__((noinline)) void grow_grad_list(TensorList& list, size_t n) { list.reserve(n); }

TensorList take_grad_list(size_t n) {
  TensorList list;
  if (!spares_gone && spare_lists.count > 0) list.swap(spare_lists.lists[--spare_lists.count]);
  if (list.capacity() < n) grow_grad_list(list, n);
  return list;
}

void recycle_grad_list(TensorList&& list) noexcept {
  if (spares_gone || list.capacity() == 0 || list.capacity() > 8) return;
  if (spare_lists.count < kSpareLists) {
    // Moved first and emptied in its slot: emptying `list` first and then moving it would load
    // the pointer just stored together with its neighbour, which the CPU cannot forward (a
    // store-forwarding stall measured at 4% of op_chain's time).
    TensorList& spare = spare_lists.lists[spare_lists.count++];
    spare = std::move(list);
    spare.clear();
  }
}

// (Defined here, beside the ready loop that sets it around every rule, so that the loop's
// CurrentNodeScope compiles to two thread-local stores rather than three calls.)
Node* current_node() { return running_node; }
void set_current_node(Node* n) { running_node = n; }

bool current_pass_needs(const Edge& e) {
  if (!e.fn) return false;
  if (!running_task) return true;
  const NodeTask* t = running_task->find(e.fn.get());
  return t && (t->needed || t->captured);
}

TensorList run_backward(const TensorList& outputs, const TensorList& grad_outputs,
                        bool retain_graph, bool create_graph, const TensorList& inputs,
                        bool allow_unused) {
  check<AutogradError>(grad_outputs.empty() || grad_outputs.size() == outputs.size(),
                       "backward: got ", grad_outputs.size(), " gradients for ", outputs.size(),
                       " outputs");
  // Roots.
  Roots roots;
  SmallVec<Tensor, 1> root_grads;
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& out = outputs[i];
    check<AutogradError>(out.defined() && out.requires_grad(), "backward: element ", i,
                         " of tensors does not require grad and does not have a grad_fn");
    Tensor g = grad_outputs.empty() ? Tensor() : grad_outputs[i];
    if (!g.defined()) {
      check<AutogradError>(out.numel() == 1, "backward: grad can be implicitly created only for ",
                           "scalar outputs, got shape ", shape_str(out.sizes()));
      g = ones_like(out);
    } else {
      check<ShapeError>(g.sizes() == out.sizes(), "backward: gradient of shape ",
                        shape_str(g.sizes()), " does not match output of shape ",
                        shape_str(out.sizes()));
    }
    roots.push_back(edge_to(out, "backward"));
    root_grads.push_back(std::move(g));
  }
  GraphTask task;
  DropBuffersOnThrow drop_buffers(task, roots);

  // 1. Count dependencies, iteratively.
  NodeStack stack;
  bool fresh = false;
  for (const Edge& e : roots) {
    if (!e.fn) continue;  // (a view made under NoGradGuard: no edge)
    task.visit(e.fn.get(), fresh);
    if (fresh) stack.push_back(e.fn.get());
  }
  // (The last fresh node of each node's edges is walked next without going through the stack, so
  // a chain is a loop with no push and pop: the load of the stack's ends right after a store to
  // one of them is one the CPU cannot forward. The counts do not depend on the walk's order.)
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    while (n) {
      Node* next = nullptr;
      for (const Edge& e : n->next_edges) {
        if (!e.fn) continue;
        NodeTask& t = task.visit(e.fn.get(), fresh);
        ++t.dependencies;
        if (!fresh) continue;
        // (A node's first new child never waits on the stack, and in a chain it is the only one:
        // at most one in two of these tests push, unless nodes have three or more new inputs.)
        if (PARAGRAD_UNLIKELY(next != nullptr)) stack.push_back(next);
        next = e.fn.get();
      }
      n = next;
    }
  }

  // Where the requested inputs' gradients are read off: the gradient arriving at an input's
  // grad_fn (or at a leaf's accumulator).
  struct Capture {
    uint32_t output_nr;
    size_t slot;
  };
  std::unordered_map<Node*, std::vector<Capture>> captures;
  std::vector<NodePtr> input_nodes;
  TensorList results(inputs.size());
  for (size_t j = 0; j < inputs.size(); ++j) {
    const Tensor& x = inputs[j];
    check<AutogradError>(x.defined() && x.requires_grad(), "grad: input ", j,
                         " does not require grad");
    NodePtr n = x.grad_fn() ? x.grad_fn() : existing_grad_accumulator(x.impl());
    NodeTask* t = n ? task.find(n.get()) : nullptr;
    if (!t) continue;
    t->captured = true;
    captures[n.get()].push_back(Capture{x.output_nr(), j});
    input_nodes.push_back(std::move(n));
  }
  if (!inputs.empty()) mark_needed(task, roots);

  // 2. Seed.
  for (size_t i = 0; i < roots.size(); ++i) {
    Node* n = roots[i].fn.get();
    if (!n) continue;
    Tensor g = conform(std::move(root_grads[i]), n->outputs[roots[i].input_nr], n);
    Tensor& slot = task.find(n)->buffer[roots[i].input_nr];
    slot = slot.defined() ? slot + g : g;
  }

  // 3. Execute.
  std::optional<NoGradGuard> no_grad;
  std::optional<EnableGradGuard> with_grad;
  if (create_graph)
    with_grad.emplace();
  else
    no_grad.emplace();

  struct RunningTask {  // (a node's apply() may run a nested pass: restore the outer one)
    GraphTask* prev = running_task;
    explicit RunningTask(GraphTask* t) { running_task = t; }
    ~RunningTask() { running_task = prev; }
  } running(&task);
  // Under anomaly mode the leaves' accumulators run after every other node, so that a node
  // returning NaN or Inf raises before any leaf's .grad() is touched (anomaly.hpp).
  NodeStack deferred;
  NodeStack ready;
  for (const Edge& e : roots) {
    if (!e.fn) continue;
    NodeTask& t = *task.find(e.fn.get());
    if (t.dependencies == 0 && (t.needed || t.captured)) {
      t.dependencies = -1;  // queued
      ready.push_back(e.fn.get());
    }
  }
  TensorList grads = take_grad_list(1);  // reused for every node
  // Adds gradient g (if defined) for edge e into the buffer of e's node c, whose scratch is ct;
  // true when that was c's last missing gradient.
  auto deliver = [](const Edge& e, Node* c, NodeTask& ct, Tensor& g) {
    if (g.defined()) {
      // Bring each gradient to the input's shape before adding: a broadcast gradient
      // and a plain one must not be added in the broadcast shape.
      Tensor gk = conform(std::move(g), c->outputs[e.input_nr], c);
      Tensor& slot = ct.buffer[e.input_nr];
      if (PARAGRAD_LIKELY(!slot.defined()))
        slot = std::move(gk);
      else if (!add_into_own(slot, gk))
        slot = slot + gk;
    }
    return --ct.dependencies == 0;
  };
  // Adds the gradients node n returned (one per edge; fewer: none for the rest) into the buffers
  // of the nodes its edges lead to, and queues those that have all their gradients.
  auto pass_on = [&](Node& n, Tensor* input_grads, size_t count) {
    Tensor none;
    for (size_t k = 0; k < n.next_edges.size(); ++k) {
      const Edge& e = n.next_edges[k];
      if (!e.fn) continue;
      Node* c = e.fn.get();
      NodeTask& ct = *task.find(c);
      if (!ct.needed && !ct.captured) continue;
      if (deliver(e, c, ct, k < count ? input_grads[k] : none)) ready.push_back(c);
    }
  };
  // The ready loop is compiled twice, with anomaly mode a compile-time constant: off, it holds
  // no anomaly test at all (op_chain under callgrind: no more instructions per step than a build
  // without anomaly mode).
  auto drain = [&](auto anomaly_mode) {
    constexpr bool anomaly = decltype(anomaly_mode)::value;
    // The second round runs the accumulators anomaly mode held back (they make no new ready nodes).
    for (bool last = false;; last = true) {
      while (!ready.empty()) {
        Node* n = ready.back();
        ready.pop_back();
        if (anomaly && !last && n->is_accumulator()) {
          deferred.push_back(n);
          continue;
        }
        NodeTask* t = task.find(n);
        // A node with one output and one input, no hooks and not a requested input's: its
        // gradient goes through apply_one(), with no list (most nodes: unary ops, ops by a scalar).
        // When that makes its input's node ready, that node runs next, here: a chain of such
        // nodes runs without going through `ready` (the order is the same: it would be popped
        // next).
        bool done = false;
        while (!anomaly && !t->captured && t->buffer.size() == 1 && n->next_edges.size() == 1 &&
               !n->extra.load(std::memory_order_acquire)) {
          Tensor g = std::move(t->buffer[0]);
          if (!t->needed) {
            done = true;
            break;
          }
          GraphTask::Turn turn(task, n);
          Tensor input_grad;
          if (g.defined()) {
            CurrentNodeScope scope(n);
            input_grad = n->apply_one(std::move(g));
          }
          if (PARAGRAD_LIKELY(!retain_graph)) n->release_saved();
          turn.end();
          // The one edge, as pass_on would take it; its node, when now ready, runs next, here.
          const Edge& e = n->next_edges[0];
          Node* c = e.fn.get();
          NodeTask* ct = c ? task.find(c) : nullptr;
          if (PARAGRAD_UNLIKELY(!ct || (!ct->needed && !ct->captured) ||
                                !deliver(e, c, *ct, input_grad))) {
            done = true;
            break;
          }
          n = c;
          t = ct;
        }
        if (done) continue;
        grads.clear();
        bool any = false;
        for (Tensor& b : t->buffer) {  // (already conformed when it was added, below)
          any = any || b.defined();
          grads.push_back(std::move(b));
        }
        // (t->buffer now holds empty handles only: the next pass's visit() resizes it anew.)
        if (t->captured) {
          for (const Capture& c : captures[n]) results[c.slot] = grads[c.output_nr];
        }
        if (!t->needed) continue;  // a requested input's node that leads to no other one

        GraphTask::Turn turn(task, n);
        // (Constructed in place: copying the list just returned would load the vector's
        // pointers, which the rule has just stored, at a width the CPU cannot forward.)
        TensorList input_grads = any ? apply_node<anomaly>(*n, grads) : TensorList();
        if (!retain_graph) n->release_saved();
        turn.end();
        pass_on(*n, input_grads.data(), input_grads.size());
        recycle_grad_list(std::move(input_grads));
      }
      if (last || deferred.empty()) break;
      std::swap(ready, deferred);
    }
  };
  if (is_anomaly_enabled())
    drain(std::true_type{});
  else
    drain(std::false_type{});
  drop_buffers.disarm();  // (every buffer that got a gradient was consumed)
  recycle_grad_list(std::move(grads));

  for (size_t j = 0; j < inputs.size(); ++j) {
    if (!results[j].defined())
      check<AutogradError>(allow_unused, "grad: input ", j, " (shape ",
                           shape_str(inputs[j].sizes()),
                           ") appears to not have been used in the graph; pass allow_unused=true");
    else if (!create_graph)
      results[j] = results[j].detach();
  }
  return results;
}

TensorList grad(const TensorList& outputs, const TensorList& inputs, const TensorList& grad_outputs,
                bool retain_graph, bool create_graph, bool allow_unused) {
  check<AutogradError>(!inputs.empty(), "grad: no inputs given");
  for (size_t i = 0; i < outputs.size(); ++i)
    if (!outputs[i].defined()) throw_undefined("grad", int(i) + 1);
  return run_backward(outputs, grad_outputs, retain_graph || create_graph, create_graph, inputs,
                      allow_unused);
}

}  // namespace paragrad::autograd
