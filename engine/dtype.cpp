#include <paragrad/engine/dtype.hpp>

#include <ostream>

namespace paragrad {

const char* dtype_name(Dtype d) {
  switch (d) {
    case Dtype::Float32:
      return "float32";
    case Dtype::Float64:
      return "float64";
    case Dtype::Int64:
      return "int64";
    case Dtype::Bool:
      return "bool";
  }
  return "unknown";
}

std::ostream& operator<<(std::ostream& os, Dtype d) { return os << dtype_name(d); }

}  // namespace paragrad
