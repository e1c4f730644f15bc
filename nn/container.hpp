#pragma once
// Sequential: children "0", "1", ... applied in order.
#include <initializer_list>
#include <memory>

#include <paragrad/engine/export.hpp>
#include <paragrad/nn/module.hpp>

PARAGRAD_API_BEGIN

namespace paragrad::nn {

class Sequential : public Module {
 public:
  Sequential() = default;
  Sequential(std::initializer_list<std::shared_ptr<Module>> modules);
  void push_back(std::shared_ptr<Module> module);
  Tensor forward(const Tensor& x) override;
  size_t size() const { return named_children().size(); }
  std::shared_ptr<Module> operator[](size_t i) const;  // Error if out of range
  std::string class_name() const override { return "Sequential"; }
};

// make_sequential(a, b, c): a Sequential of the given modules (shared_ptrs of any Module type).
template <class... Ms>
std::shared_ptr<Sequential> make_sequential(std::shared_ptr<Ms>... modules) {
  auto s = std::make_shared<Sequential>();
  (s->push_back(std::move(modules)), ...);
  return s;
}

}  // namespace paragrad::nn

PARAGRAD_API_END
