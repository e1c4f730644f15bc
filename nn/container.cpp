#include <paragrad/nn/container.hpp>

#include <string>

namespace paragrad::nn {

Sequential::Sequential(std::initializer_list<std::shared_ptr<Module>> modules) {
  for (const auto& m : modules) push_back(m);
}

void Sequential::push_back(std::shared_ptr<Module> module) {
  register_module_impl(std::to_string(size()), std::move(module));
}

Tensor Sequential::forward(const Tensor& x) {
  Tensor y = x;
  for (const auto& c : named_children()) y = c.second->forward(y);
  return y;
}

std::shared_ptr<Module> Sequential::operator[](size_t i) const {
  check<IndexError>(i < size(), "Sequential: index ", i, " out of range for size ", size());
  return child(std::to_string(i));
}

}  // namespace paragrad::nn
