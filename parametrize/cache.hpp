#pragma once
// cached(): inside the guard's scope (per thread, nestable) each parametrized tensor is computed
// once per module and name; leaving the outermost guard drops the cached values.
//
//   {
//     auto guard = parametrize::cached();
//     Tensor y = model(x);   // every get("weight") in here computes the weight once
//   }
//
// Unlike PyTorch, a cached value is never stale: it is recomputed when an original was written
// in place (set(), load_state_dict, an optimizer step — seen through the storage version
// counters), replaced by another tensor, when a parametrization's own parameters or buffers
// changed, when the chain grew, or when it was computed under no-grad and is now needed with
// gradients.
#include <memory>

#include <paragrad/engine/engine.hpp>
#include <paragrad/engine/export.hpp>

PARAGRAD_API_BEGIN

namespace paragrad::parametrize {

class ParametrizationList;

class CacheGuard {
 public:
  ~CacheGuard();
  CacheGuard(const CacheGuard&) = delete;
  CacheGuard& operator=(const CacheGuard&) = delete;

 private:
  friend CacheGuard cached();
  CacheGuard();
};

[[nodiscard]] CacheGuard cached();

bool is_cache_enabled();  // some cached() guard is alive on this thread

namespace detail {
// The value of a parametrized tensor: from this thread's cache when enabled, else computed.
Tensor parametrized_value(const std::shared_ptr<ParametrizationList>& list);
// Drops list's cached value on this thread (set(), remove_parametrizations).
void invalidate(const ParametrizationList* list);
}  // namespace detail

}  // namespace paragrad::parametrize

PARAGRAD_API_END
