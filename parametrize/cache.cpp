#include <unordered_map>
#include <vector>

#include <paragrad/parametrize/cache.hpp>
#include <paragrad/parametrize/parametrization_list.hpp>

namespace paragrad::parametrize {

namespace {

// A tensor a cached value depends on, as it was when the value was computed: the tensor object,
// its storage and the storage's version counter (bumped by every in-place write).
struct Seen {
  Tensor tensor;
  IntrusivePtr<Storage> storage;
  uint32_t version;

  explicit Seen(const Tensor& t)
      : tensor(t), storage(t.impl()->storage), version(t.impl()->storage->version()) {}
  bool unchanged() const {
    return tensor.impl()->storage == storage && storage->version() == version;
  }
};

struct Entry {
  std::shared_ptr<ParametrizationList> list;  // keeps the key's address unique while cached
  Tensor value;
  std::vector<Seen> originals;  // also checked for identity against the list's slots
  std::vector<Seen> state;      // parameters and buffers of the parametrizations
  uint64_t generation = 0;
  bool grad_mode = true;
};

struct Cache {
  int depth = 0;
  std::unordered_map<const ParametrizationList*, Entry> entries;
};

Cache& cache() {
  thread_local Cache c;
  return c;
}

bool still_valid(const Entry& e, const ParametrizationList& list) {
  if (e.generation != list.generation()) return false;
  if (!e.grad_mode && is_grad_enabled()) return false;  // computed without a graph
  for (size_t i = 0; i < e.originals.size(); ++i) {
    const Seen& s = e.originals[i];
    if (!s.unchanged() || !list.original(i).is_same(s.tensor)) return false;
  }
  for (const Seen& s : e.state)
    if (!s.unchanged()) return false;
  return true;
}

Entry compute(const std::shared_ptr<ParametrizationList>& list) {
  Entry e;
  e.list = list;
  e.grad_mode = is_grad_enabled();
  e.value = list->forward_chain();
  // Recorded after forward: a forward that updates its own buffers (spectral_norm's power
  // iteration) must not invalidate the value it just produced.
  e.generation = list->generation();
  for (const Tensor& t : list->originals())
    if (t.defined()) e.originals.emplace_back(t);
  for (size_t k = 0; k < list->size(); ++k) {
    const auto& p = (*list)[k];
    for (const Tensor& t : p->parameters()) e.state.emplace_back(t);
    for (const Tensor& t : p->buffers()) e.state.emplace_back(t);
  }
  return e;
}

}  // namespace

CacheGuard::CacheGuard() { ++cache().depth; }

CacheGuard::~CacheGuard() {
  Cache& c = cache();
  if (--c.depth == 0) c.entries.clear();
}

CacheGuard cached() { return CacheGuard(); }

bool is_cache_enabled() { return cache().depth > 0; }

namespace detail {

Tensor parametrized_value(const std::shared_ptr<ParametrizationList>& list) {
  Cache& c = cache();
  if (c.depth == 0) return list->forward_chain();
  auto it = c.entries.find(list.get());
  if (it != c.entries.end() && still_valid(it->second, *list)) return it->second.value;
  Entry e = compute(list);
  Tensor value = e.value;
  c.entries.insert_or_assign(list.get(), std::move(e));
  return value;
}

void invalidate(const ParametrizationList* list) {
  Cache& c = cache();
  if (c.depth > 0) c.entries.erase(list);
}

}  // namespace detail

}  // namespace paragrad::parametrize
