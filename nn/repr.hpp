#pragma once
// Python-style formatting for module reprs: 1.0 (not 1), 1e-05, True/False.
#include <string>

namespace paragrad::nn::detail {

std::string py_float(double v);  // Python's repr(float)
inline const char* py_bool(bool b) { return b ? "True" : "False"; }

}  // namespace paragrad::nn::detail
