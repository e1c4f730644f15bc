#pragma once
// What Tensor::register_hook returns (as torch.utils.hooks.RemovableHandle): remove() takes the
// hook off again. It refers to the hook weakly: once the tensor and its graph are gone, remove()
// does nothing.
#include <cstdint>
#include <memory>

#include <paragrad/engine/export.hpp>

PARAGRAD_API_BEGIN

namespace paragrad::autograd {

struct HookList;

class RemovableHandle {
 public:
  RemovableHandle() = default;
  RemovableHandle(std::weak_ptr<HookList> list, uint64_t id) : list_(std::move(list)), id_(id) {}
  void remove();  // idempotent; later backward passes no longer call the hook

 private:
  std::weak_ptr<HookList> list_;
  uint64_t id_ = 0;
};

}  // namespace paragrad::autograd

PARAGRAD_API_END
