#pragma once
// Size2: a 2-d size argument (kernel, stride, padding, ...) given as one int for both dims or as
// {h, w}, like PyTorch's `int or tuple`: conv2d(x, w, {}, /*stride=*/2, /*padding=*/{1, 0}).
#include <cstdint>
#include <string>
#include <utility>

#include <paragrad/engine/export.hpp>

PARAGRAD_API_BEGIN

namespace paragrad::nn {

struct Size2 {
  int64_t h = 0, w = 0;
  Size2(int64_t v) : h(v), w(v) {}  // NOLINT: implicit, as PyTorch's int-or-pair
  Size2(int64_t h_, int64_t w_) : h(h_), w(w_) {}
  bool operator==(const Size2& o) const { return h == o.h && w == o.w; }
  bool operator!=(const Size2& o) const { return !(*this == o); }
  std::string str() const;  // "(h, w)"
};

// A convolution's padding: numbers (as Size2) or the string "same" / "valid". Literal 0 and the
// other ints pick the numeric constructors (an int overload beats 0 as a null const char*).
struct Padding2 {
  Size2 size = 0;
  std::string mode;                            // "" for numeric padding
  Padding2(int v) : size(v) {}                 // NOLINT: implicit
  Padding2(long v) : size(int64_t(v)) {}       // NOLINT: implicit
  Padding2(long long v) : size(int64_t(v)) {}  // NOLINT: implicit
  Padding2(int64_t h, int64_t w) : size(h, w) {}
  Padding2(Size2 s) : size(s) {}                   // NOLINT: implicit
  Padding2(const char* m) : mode(m ? m : "") {}    // NOLINT: implicit
  Padding2(std::string m) : mode(std::move(m)) {}  // NOLINT: implicit
  bool is_string() const { return !mode.empty(); }
};

}  // namespace paragrad::nn

PARAGRAD_API_END
