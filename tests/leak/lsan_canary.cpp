// LeakSanitizer canary: leaks on purpose, the way a bug in paragrad would (a tensor whose
// gradient refers back to itself, so its reference count never reaches zero). Built only in
// sanitizer builds and never run by CTest: .ci/lsan-canary runs it and requires LeakSanitizer to
// report the leak, which shows that the leak scenarios passing under ASan means something.
#include <cstdio>

#include <paragrad/engine/engine.hpp>

int main() {
  using namespace paragrad;
  Tensor x = ones({1000}, kFloat64).requires_grad_();
  Tensor y = x * 2.0;
  // A reference cycle: y's TensorImpl owns itself through its grad slot.
  y.impl()->grad = y.impl_ptr();
  std::printf("lsan canary: leaking a self-referencing tensor of %lld elements\n",
              static_cast<long long>(y.numel()));
  return 0;
}
