// A design prototype for op_chain (issue 18): what a general engine pays per op when an op's
// output tensor, its graph node and (for a small tensor) its elements are one block. It measures
// the design that docs/autograd.md §8 proposes for paragrad's tiny tensors, against the floor
// (floor_tape.cpp) and against paragrad itself, and what it costs in memory (deep_chain_memory:
// each op's block stays with the graph). It is a measurement, not a second engine: it has only
// op_chain's ops (mul and add by a scalar, tanh, sum) on contiguous tensors.
//
// What it does that the minimal-tape floor leaves out, as paragrad does it:
//   - tensors are handles to reference-counted headers (atomic counts: handles may cross threads;
//     the last reference dropped after a load, not a read-modify-write) holding a shape and
//     strides of up to 5 dims, a dtype (float32, float64: every op dispatches on it), a version
//     counter, requires_grad;
//   - every op checks its input (defined, contiguous), grad mode (thread-local) and anomaly mode;
//   - a node holds counted edges to its inputs' nodes, what its rule saved (here a scalar, or its
//     own output with the version it had), and reaches its rule through a pointer (any op, any
//     custom rule, not a switch over four);
//   - backward counts every node's dependencies, runs the nodes whose gradients are all in,
//     checks each gradient's shape and dtype and each saved tensor's version, checks hooks,
//     refuses a second pass through released nodes, adds gradients into a buffer per node and
//     into the leaf's .grad, and writes a rule's result over its incoming gradient only when
//     no one else holds it;
//   - gradients are tensors like any other; freeing a chain does not recurse.
// What it saves against paragrad's layout: the output's header is its node (one block, one count,
// no separate output record or storage object), a saved output is the node itself, and the
// node's scratch for the backward pass sits in the block.
#include <Eigen/Core>
#include <atomic>
#include <cstdint>
#include <memory>
#include <new>
#include <stdexcept>
#include <utility>
#include <vector>

#include "common.hpp"
#include "harness.hpp"

namespace {

enum class Dtype : uint8_t { kFloat32, kFloat64 };
size_t element_size(Dtype d) { return d == Dtype::kFloat32 ? 4 : 8; }
thread_local bool grad_mode = true;
std::atomic<bool> anomaly_mode{false};

struct Impl;
// An op's backward rule: the gradient of the node's input from g, its output's gradient. g may be
// written over when the rule's caller holds the only reference to it.
struct Rule {
  const char* name;
  Impl* (*backward)(Impl& node, Impl* g);
};

constexpr int kMaxDims = 5;
struct Edge {
  Impl* node = nullptr;  // counted
  uint32_t input_nr = 0;
};

// A tensor header; for an op's result, also its graph node.
struct Impl {
  std::atomic<uint32_t> refs{1};
  std::atomic<uint32_t> version{0};
  Dtype dtype = Dtype::kFloat32;
  bool requires_grad = false;
  bool released = false;  // backward ran without retaining the graph
  uint8_t rank = 0;
  uint8_t n_edges = 0;
  int64_t sizes[kMaxDims];
  int64_t strides[kMaxDims];
  int64_t numel = 0;
  void* data = nullptr;
  bool owns_data = false;  // elements outside the block
  size_t block_size = 0;
  std::atomic<int*> hooks{nullptr};  // (none registered here; read where paragrad reads them)
  // The node: null rule for a leaf or a result made without grad.
  const Rule* rule = nullptr;
  Edge edges[2];
  uint32_t saved_version = 0;  // the version of the saved output (the node itself)
  double scalar = 0;
  // The backward pass's scratch.
  uint64_t pass = 0;
  int32_t dependencies = 0;
  Impl* grad = nullptr;  // the gradient buffer (a node) or .grad (a leaf); counted
  Impl* next_freed = nullptr;

  template <class T>
  T* ptr() const {
    return static_cast<T*>(data);
  }
};

// Blocks of one size, kept on a per-thread list (as paragrad's small blocks are).
constexpr size_t kBlockBytes = 256;
struct FreeBlock {
  FreeBlock* next;
};
thread_local FreeBlock* free_blocks = nullptr;
void* allocate(size_t n) {
  if (n > kBlockBytes) return ::operator new(n);
  if (FreeBlock* b = free_blocks) {
    free_blocks = b->next;
    return b;
  }
  return ::operator new(kBlockBytes);
}
void deallocate(void* p, size_t n) {
  if (n > kBlockBytes) return ::operator delete(p);
  auto* b = static_cast<FreeBlock*>(p);
  b->next = free_blocks;
  free_blocks = b;
}
// Gives the thread's kept blocks back to the heap (before a memory measurement, so that blocks a
// previous run left on the list do not hide the next run's growth).
void release_free_blocks() {
  while (FreeBlock* b = free_blocks) {
    free_blocks = b->next;
    ::operator delete(b);
  }
}

void destroy(Impl* p);
void retain(Impl* p) { p->refs.fetch_add(1, std::memory_order_relaxed); }
void release(Impl* p) {
  if (p->refs.load(std::memory_order_acquire) == 1 ||
      p->refs.fetch_sub(1, std::memory_order_acq_rel) == 1)
    destroy(p);
}

// A block freed while another is being freed is queued, so a long chain does not recurse.
void destroy(Impl* p) {
  thread_local bool draining = false;
  thread_local Impl* pending = nullptr;
  if (draining) {
    p->next_freed = pending;
    pending = p;
    return;
  }
  draining = true;
  for (;;) {
    delete p->hooks.load(std::memory_order_acquire);
    for (int i = 0; i < p->n_edges; ++i) release(p->edges[i].node);
    if (p->grad) release(p->grad);
    if (p->owns_data) ::operator delete(p->data);
    const size_t size = p->block_size;
    p->~Impl();
    deallocate(p, size);
    if (!pending) break;
    p = pending;
    pending = p->next_freed;
  }
  draining = false;
}

// A new contiguous tensor; up to 64 bytes of elements live in its block.
Impl* make(Dtype dtype, int rank, const int64_t* sizes) {
  if (rank > kMaxDims) throw std::invalid_argument("make: too many dims");
  int64_t numel = 1;
  for (int i = 0; i < rank; ++i) {
    if (sizes[i] < 0) throw std::invalid_argument("make: negative size");
    numel *= sizes[i];
  }
  const size_t bytes = size_t(numel) * element_size(dtype);
  const bool inside = bytes <= 64;
  const size_t head = (sizeof(Impl) + 31) & ~size_t(31);
  const size_t size = head + (inside ? bytes : 0);
  void* block = allocate(size);
  Impl* p = new (block) Impl;
  p->block_size = size;
  p->dtype = dtype;
  p->rank = uint8_t(rank);
  p->numel = numel;
  for (int64_t i = rank - 1, stride = 1; i >= 0; --i) {
    p->sizes[i] = sizes[i];
    p->strides[i] = stride;
    stride *= sizes[i];
  }
  if (inside) {
    p->data = static_cast<unsigned char*>(block) + head;
  } else {
    p->data = ::operator new(bytes);
    p->owns_data = true;
  }
  return p;
}
Impl* make_like(const Impl& a) { return make(a.dtype, a.rank, a.sizes); }
bool contiguous(const Impl& a) {
  for (int64_t i = a.rank - 1, stride = 1; i >= 0; --i) {
    if (a.sizes[i] != 1 && a.strides[i] != stride) return false;
    stride *= a.sizes[i];
  }
  return true;
}
bool same_meta(const Impl& a, const Impl& b) {
  if (a.rank != b.rank || a.dtype != b.dtype) return false;
  for (int i = 0; i < a.rank; ++i)
    if (a.sizes[i] != b.sizes[i]) return false;
  return true;
}

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(Impl* p) : p_(p) {}  // takes p's first reference
  Tensor(const Tensor& o) : p_(o.p_) {
    if (p_) retain(p_);
  }
  Tensor(Tensor&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  Tensor& operator=(Tensor o) noexcept {
    std::swap(p_, o.p_);
    return *this;
  }
  ~Tensor() {
    if (p_) release(p_);
  }
  Impl* impl() const { return p_; }

 private:
  Impl* p_ = nullptr;
};

template <class T>
using Vec = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>;
template <class T>
using ConstVec = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;
template <class T>
ConstVec<T> in(const Impl& t) {
  return ConstVec<T>(t.ptr<T>(), t.numel);
}
template <class T>
Vec<T> out(Impl& t) {
  return Vec<T>(t.ptr<T>(), t.numel);
}

// y = f(x) elementwise into `y` (x's shape and dtype), dispatched on the dtype.
template <class F>
void map_into(const Impl& x, Impl& y, F f) {
  if (x.dtype == Dtype::kFloat32)
    f(x, y, float());
  else
    f(x, y, double());
}

// An elementwise op's result, and its node when the input needs a gradient.
template <class F>
Tensor elementwise(const char* op, const Tensor& a, const Rule* rule, F f) {
  const Impl* x = a.impl();
  if (!x) throw std::invalid_argument(op);
  if (!contiguous(*x)) throw std::invalid_argument("fused prototype: contiguous tensors only");
  Impl* y = make_like(*x);
  map_into(*x, *y, f);
  if (grad_mode && x->requires_grad) {
    if (anomaly_mode.load(std::memory_order_relaxed)) throw std::logic_error("no anomaly here");
    y->rule = rule;
    y->requires_grad = true;
    y->n_edges = 1;
    retain(a.impl());
    y->edges[0] = Edge{a.impl(), 0};
  }
  return Tensor(y);
}

// ---- the ops and their rules --------------------------------------------------------------------
// A gradient to write the rule's result into: g itself when the caller holds the only reference.
Impl* writable(Impl* g) { return g->refs.load(std::memory_order_acquire) == 1 ? g : make_like(*g); }
template <class F>
Impl* gradient_map(Impl* g, F f) {
  Impl* r = writable(g);
  map_into(*g, *r, f);
  if (r != g) release(g);
  return r;
}

Impl* mul_backward(Impl& n, Impl* g) {
  const double s = n.scalar;
  return gradient_map(g, [s](const Impl& x, Impl& y, auto tag) {
    using T = decltype(tag);
    out<T>(y) = in<T>(x) * T(s);
  });
}
Impl* add_backward(Impl&, Impl* g) { return g; }
Impl* tanh_backward(Impl& n, Impl* g) {
  if (n.version.load(std::memory_order_relaxed) != n.saved_version)
    throw std::runtime_error("TanhBackward: its saved output was modified in place");
  return gradient_map(g, [&n](const Impl& x, Impl& y, auto tag) {
    using T = decltype(tag);
    out<T>(y) = in<T>(x) * (1 - in<T>(n).square());
  });
}
Impl* sum_backward(Impl& n, Impl* g) {
  Impl* r = make_like(*n.edges[0].node);
  if (g->dtype == Dtype::kFloat32)
    out<float>(*r).setConstant(*g->ptr<float>());
  else
    out<double>(*r).setConstant(*g->ptr<double>());
  release(g);
  return r;
}
const Rule kMul{"MulBackward", mul_backward}, kAdd{"AddBackward", add_backward},
    kTanh{"TanhBackward", tanh_backward}, kSum{"SumBackward", sum_backward};

Tensor mul(const Tensor& a, double s) {
  Tensor r = elementwise("mul", a, &kMul, [s](const Impl& x, Impl& y, auto tag) {
    using T = decltype(tag);
    out<T>(y) = in<T>(x) * T(s);
  });
  r.impl()->scalar = s;
  return r;
}
Tensor add(const Tensor& a, double s) {
  return elementwise("add", a, &kAdd, [s](const Impl& x, Impl& y, auto tag) {
    using T = decltype(tag);
    out<T>(y) = in<T>(x) + T(s);
  });
}
Tensor tanh(const Tensor& a) {
  Tensor r = elementwise("tanh", a, &kTanh, [](const Impl& x, Impl& y, auto tag) {
    using T = decltype(tag);
    out<T>(y) = in<T>(x).tanh();
  });
  r.impl()->saved_version = r.impl()->version.load(std::memory_order_relaxed);
  return r;
}
Tensor sum(const Tensor& a) {
  Impl* x = a.impl();
  Tensor r(make(x->dtype, 0, nullptr));
  if (x->dtype == Dtype::kFloat32)
    *r.impl()->ptr<float>() = in<float>(*x).sum();
  else
    *r.impl()->ptr<double>() = in<double>(*x).sum();
  if (grad_mode && x->requires_grad) {
    Impl* y = r.impl();
    y->rule = &kSum;
    y->requires_grad = true;
    y->n_edges = 1;
    retain(x);
    y->edges[0] = Edge{x, 0};
  }
  return r;
}

// ---- backward -----------------------------------------------------------------------------------
// Adds g into slot (a node's gradient buffer or a leaf's .grad): in place when slot holds its
// elements alone.
void accumulate(Impl*& slot, Impl* g) {
  if (!slot) {
    slot = g;
    return;
  }
  if (!same_meta(*slot, *g)) throw std::runtime_error("backward: gradient shape mismatch");
  Impl* sum = writable(slot);
  if (g->dtype == Dtype::kFloat32)
    out<float>(*sum) = in<float>(*slot) + in<float>(*g);
  else
    out<double>(*sum) = in<double>(*slot) + in<double>(*g);
  if (sum != slot) {
    release(slot);
    slot = sum;
  }
  release(g);
}

std::atomic<uint64_t> next_pass{1};

class Engine {
 public:
  void backward(const Tensor& root) {
    Impl* r = root.impl();
    if (!r || !r->requires_grad || r->numel != 1) throw std::runtime_error("backward: root");
    const uint64_t pass = next_pass.fetch_add(1, std::memory_order_relaxed);
    count_dependencies(r, pass);
    Impl* one = make_like(*r);
    if (one->dtype == Dtype::kFloat32)
      *one->ptr<float>() = 1;
    else
      *one->ptr<double>() = 1;
    accumulate(r->grad, one);
    const bool grad_was = std::exchange(grad_mode, false);
    ready_.push_back(r);
    while (!ready_.empty()) {
      Impl* n = ready_.back();
      ready_.pop_back();
      Impl* g = std::exchange(n->grad, nullptr);
      if (!g) continue;
      if (n->released) throw std::runtime_error("backward: through the graph a second time");
      if (n->hooks.load(std::memory_order_acquire)) throw std::logic_error("no hooks here");
      if (!same_meta(*g, *n)) throw std::runtime_error("backward: gradient shape mismatch");
      Impl* input_grad = n->rule->backward(*n, g);  // (every rule here has one input)
      n->released = true;
      Impl* c = n->edges[0].node;
      if (c->rule) {
        accumulate(c->grad, input_grad);
        if (--c->dependencies == 0) ready_.push_back(c);
      } else if (c->requires_grad) {
        accumulate(c->grad, input_grad);  // the leaf's .grad
      } else {
        release(input_grad);
      }
    }
    grad_mode = grad_was;
  }

 private:
  // Every node's count of edges leading into it, by a walk that follows chains without the stack.
  void count_dependencies(Impl* root, uint64_t pass) {
    ready_.clear();
    root->pass = pass;
    root->dependencies = 0;
    for (Impl* n = root; n;) {
      Impl* next = nullptr;
      for (int i = 0; i < n->n_edges; ++i) {
        Impl* c = n->edges[i].node;
        if (!c->rule) continue;
        if (c->pass != pass) {
          c->pass = pass;
          c->dependencies = 0;
          if (next) ready_.push_back(next);
          next = c;
        }
        ++c->dependencies;
      }
      if (!next && !ready_.empty()) {
        next = ready_.back();
        ready_.pop_back();
      }
      n = next;
    }
  }
  std::vector<Impl*> ready_;
};

bench::Case op_chain() {
  struct State {
    Tensor x;
    Engine engine;
  };
  auto s = std::make_shared<State>();
  bench::Rng rng(bench::kSeedOpChain);
  const Eigen::ArrayXf x0 = bench::randn(rng, bench::kOpChainLen, 1).cast<float>().array();
  const int64_t len[1] = {bench::kOpChainLen};
  s->x = Tensor(make(Dtype::kFloat32, 1, len));
  out<float>(*s->x.impl()) = x0;
  s->x.impl()->requires_grad = true;
  return {[s] {
            Impl* x = s->x.impl();
            if (x->grad) out<float>(*x->grad).setZero();
            Tensor y = s->x;
            for (int i = 0; i < bench::kOpChainReps; ++i) y = tanh(add(mul(y, 1.01), 0.1));
            s->engine.backward(sum(y));
            bench::do_not_optimize(x->grad->data);
            return double(x->grad->ptr<float>()[0]);
          },
          [s] { return double(in<float>(*s->x.impl()->grad).sum()); }};
}
BENCH_SIDE("op_chain", "fused", op_chain);

// deep_chain and deep_chain_memory (as bench_engine.cpp): a float32 scalar through 1,000,000 ops
// alternating mul and add, backward, the graph freed. In this layout every op's block (its output's
// header, its node and its element) stays until the graph goes, the header's bytes with it.
double deep_chain_once(bench::PeakMemory* probe) {
  Engine engine;
  Tensor x(make(Dtype::kFloat32, 0, nullptr));
  *x.impl()->ptr<float>() = 1;
  x.impl()->requires_grad = true;
  Tensor y = x;
  for (int i = 0; i < bench::kDeepChainOps; ++i)
    y = (i % 2 == 0) ? mul(y, 0.9999999) : add(y, 1e-7);
  if (probe) probe->sample();  // the whole graph is alive here
  engine.backward(y);
  return double(*x.impl()->grad->ptr<float>());
}
bench::Case deep_chain() {
  return {[] { return deep_chain_once(nullptr); }};
}
BENCH_SIDE("deep_chain", "fused", deep_chain);

bench::Case deep_chain_memory() {
  return bench::deep_chain_memory_case(deep_chain_once, release_free_blocks);
}
BENCH_SIDE("deep_chain_memory", "fused", deep_chain_memory);

}  // namespace
