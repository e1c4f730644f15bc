#pragma once
// One backward pass's bookkeeping, and what lets several passes run at once on graphs that
// share nodes (threads sharing a model: every pass through a shared leaf meets its
// AccumulateGrad). Two things must not race:
//
//  - The per-pass scratch of a node (dependency count, gradient buffer). One pass at a time
//    holds the scratch token and keeps its scratch on the nodes themselves (Node::task: no
//    hash lookup, the single-threaded case); a pass that starts while another holds the token
//    keeps its scratch in a hash map of its own.
//
//  - Running a node: AccumulateGrad adds into the leaf's .grad(), and a pass without
//    retain_graph frees a node's saved tensors right after running it, while another pass may
//    be running it. A pass that runs alone runs nodes without locking. When a second pass
//    starts, it waits until every running pass has noticed and switched to locking, then
//    locks too: from then on each node is run under its `running` flag, one pass at a time.
//    So the single-threaded path pays one relaxed load per node, not a lock.
#include <atomic>
#include <cstdint>
#include <thread>
#include <unordered_map>

#include <paragrad/engine/autograd/node.hpp>
#include <paragrad/engine/branch_hints.hpp>

namespace paragrad::autograd {

class GraphTask {
 public:
  GraphTask();  // registers the pass (and waits for the others to start locking, if any)
  ~GraphTask();
  GraphTask(const GraphTask&) = delete;
  GraphTask& operator=(const GraphTask&) = delete;

  // This pass's scratch for n; `fresh` is set on the first visit.
  NodeTask& visit(Node* n, bool& fresh) {
    if (PARAGRAD_LIKELY(on_nodes_)) {
      fresh = n->task.pass != id_;
      if (fresh) {
        n->task.pass = id_;
        n->task.dependencies = 0;
        n->task.needed = true;
        n->task.captured = false;
        n->task.reached = false;
        // One empty slot per output (a node new since the last pass has none yet: built in place).
        SmallVec<Tensor, 1>& buffer = n->task.buffer;
        if (buffer.empty()) {
          for (size_t k = n->outputs.size(); k > 0; --k) buffer.emplace_back();
        } else {
          buffer.clear();
          buffer.resize(n->outputs.size());
        }
      }
      return n->task;
    }
    auto [it, inserted] = side_.try_emplace(n);
    fresh = inserted;
    if (inserted) it->second.buffer.resize(n->outputs.size());
    return it->second;
  }
  // This pass's scratch for n, or nullptr if the pass has not visited n.
  NodeTask* find(Node* n) {
    if (PARAGRAD_LIKELY(on_nodes_))
      return PARAGRAD_LIKELY(n->task.pass == id_) ? &n->task : nullptr;
    auto it = side_.find(n);
    return it == side_.end() ? nullptr : &it->second;
  }

  // Node n's turn in this pass, for the Turn's scope or until end(): under n's lock once several
  // passes run. (A scope, not a callback, so that what the node returns is constructed in place.)
  class Turn {
   public:
    Turn(GraphTask& task, Node* n) {
      if (PARAGRAD_LIKELY(!task.locking_.load(std::memory_order_relaxed))) {
        if (PARAGRAD_LIKELY(!several_passes_.load(std::memory_order_relaxed))) return;
        task.start_locking();
      }
      lock(n);
      n_ = n;
    }
    ~Turn() { end(); }
    Turn(const Turn&) = delete;
    Turn& operator=(const Turn&) = delete;
    void end() {
      if (PARAGRAD_UNLIKELY(n_ != nullptr)) n_->running.store(false, std::memory_order_release);
      n_ = nullptr;
    }

   private:
    static void lock(Node* n);
    Node* n_ = nullptr;  // locked
  };

 private:
  void start_locking();

  static std::atomic<bool> several_passes_;  // more than one pass is registered

  uint64_t id_;
  bool on_nodes_;  // holds the scratch token
  std::thread::id thread_;
  std::atomic<bool> locking_{false};
  std::unordered_map<Node*, NodeTask> side_;  // the scratch, when not on the nodes
};

// In a node's apply(): whether the backward pass running on this thread needs the gradient
// that edge e carries (it leads to a requested input); true outside a pass when e is not
// empty. Custom Functions' needs_input_grad (custom_function.cpp) asks this.
bool current_pass_needs(const Edge& e);

}  // namespace paragrad::autograd
