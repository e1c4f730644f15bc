#pragma once
// Every error paragrad raises is a paragrad::Error. Messages name the op and the
// offending shapes/dtypes, e.g. "matmul: shapes [2, 3] and [4, 5] cannot be multiplied".
#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <paragrad/engine/export.hpp>

PARAGRAD_API_BEGIN

namespace paragrad {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};
class ShapeError : public Error {
  using Error::Error;
};
class DtypeError : public Error {
  using Error::Error;
};
class ValueError : public Error {
  using Error::Error;
};
class IndexError : public Error {
  using Error::Error;
};
class NotImplementedError : public Error {
  using Error::Error;
};
class AutogradError : public Error {
  using Error::Error;
};

namespace detail {
inline void stream_all(std::ostringstream&) {}
template <class T, class... Rest>
void stream_all(std::ostringstream& os, const T& first, const Rest&... rest) {
  os << first;
  stream_all(os, rest...);
}
}  // namespace detail

template <class T>
struct is_std_vector : std::false_type {};
template <class T, class A>
struct is_std_vector<std::vector<T, A>> : std::true_type {};

// Builds a message from pieces: cat("matmul: shapes ", a, " and ", b). (A first argument
// that is a std::vector is excluded, so paragrad::cat(TensorList, dim) is never shadowed.)
template <class First, class... Parts,
          class = std::enable_if_t<!is_std_vector<std::decay_t<First>>::value>>
std::string cat(const First& first, const Parts&... parts) {
  std::ostringstream os;
  detail::stream_all(os, first, parts...);
  return os.str();
}

// Throws E(cat(parts...)) when cond is false. Active in every build type.
template <class E = Error, class... Parts>
inline void check(bool cond, const Parts&... parts) {
  if (!cond) throw E(cat(parts...));
}

}  // namespace paragrad

PARAGRAD_API_END
