#include <paragrad/engine/autograd/graph_task.hpp>

#include <mutex>
#include <vector>

namespace paragrad::autograd {

namespace {

// The passes running now, and whether one of them keeps its scratch on the nodes.
struct Registry {
  std::mutex mutex;
  std::vector<const GraphTask*> passes;
  bool token_taken = false;
};

Registry& registry() {
  static Registry r;
  return r;
}

std::atomic<uint64_t> next_pass_id{1};

}  // namespace

std::atomic<bool> GraphTask::several_passes_{false};

GraphTask::GraphTask()
    : id_(next_pass_id.fetch_add(1, std::memory_order_relaxed)),
      thread_(std::this_thread::get_id()) {
  Registry& r = registry();
  {
    std::lock_guard<std::mutex> lock(r.mutex);
    on_nodes_ = !r.token_taken;
    r.token_taken = true;
    r.passes.push_back(this);
    if (r.passes.size() == 1) return;
    several_passes_.store(true, std::memory_order_relaxed);
    locking_.store(true, std::memory_order_relaxed);
  }
  // Wait until every pass on another thread locks too: until then it may be running a node
  // without the node's lock. (A pass on this thread is suspended inside one of its nodes,
  // whose rule started this pass: it runs no other node meanwhile.)
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(r.mutex);
      bool all_locking = true;
      for (const GraphTask* p : r.passes)
        if (p->thread_ != thread_ && !p->locking_.load(std::memory_order_acquire))
          all_locking = false;
      if (all_locking) return;
    }
    std::this_thread::yield();
  }
}

GraphTask::~GraphTask() {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  for (size_t i = 0; i < r.passes.size(); ++i)
    if (r.passes[i] == this) {
      r.passes.erase(r.passes.begin() + std::ptrdiff_t(i));
      break;
    }
  if (on_nodes_) r.token_taken = false;
  if (r.passes.size() <= 1) several_passes_.store(false, std::memory_order_relaxed);
}

void GraphTask::start_locking() {
  // Everything this pass did to nodes so far happens before what a waiting pass does next
  // (it reads this flag with acquire).
  locking_.store(true, std::memory_order_release);
}

void GraphTask::Turn::lock(Node* n) {
  while (n->running.exchange(true, std::memory_order_acquire)) std::this_thread::yield();
}

}  // namespace paragrad::autograd
