#pragma once
// A module's printed form (operator<<), for the repr checks.
#include <sstream>
#include <string>

#include <paragrad/nn/module.hpp>

inline std::string repr(const paragrad::nn::Module& m) {
  std::ostringstream os;
  os << m;
  return os.str();
}
