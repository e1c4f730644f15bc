#pragma once
// Grad mode is a thread-local switch: while it is off, ops record no graph. Every op reads
// it, so it is inline.
#include <paragrad/engine/export.hpp>

PARAGRAD_API_BEGIN

namespace paragrad {

namespace detail {
inline thread_local bool grad_enabled = true;
}

inline bool is_grad_enabled() { return detail::grad_enabled; }
inline void set_grad_enabled(bool on) { detail::grad_enabled = on; }

struct NoGradGuard {  // RAII: no graph is recorded in its scope
  NoGradGuard() : prev_(is_grad_enabled()) { set_grad_enabled(false); }
  ~NoGradGuard() { set_grad_enabled(prev_); }
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool prev_;
};

struct EnableGradGuard {  // RAII: re-enables recording inside a NoGradGuard
  EnableGradGuard() : prev_(is_grad_enabled()) { set_grad_enabled(true); }
  ~EnableGradGuard() { set_grad_enabled(prev_); }
  EnableGradGuard(const EnableGradGuard&) = delete;
  EnableGradGuard& operator=(const EnableGradGuard&) = delete;

 private:
  bool prev_;
};

}  // namespace paragrad

PARAGRAD_API_END
