#pragma once
// address_of(where): a hook that notes where the float64 gradient reaching a tensor lies in
// memory and keeps no handle to it (so a rule may still write over it). The tests of gradients
// written over compare these addresses (autograd/function.hpp, detail::can_write_over).
#include <paragrad/engine/autograd/hooks.hpp>
#include <paragrad/engine/engine.hpp>

inline paragrad::autograd::Hook address_of(const void*& where) {
  return [&where](const paragrad::Tensor& g) {
    where = g.data_ptr<double>();
    return paragrad::Tensor();
  };
}
