#pragma once
// Grad mode is a thread-local switch: while it is off, ops record no graph.

namespace paragrad {

bool is_grad_enabled();
void set_grad_enabled(bool on);

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
