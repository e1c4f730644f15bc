#include <paragrad/engine/autograd/grad_mode.hpp>

namespace paragrad {

namespace {
thread_local bool grad_enabled = true;
}

bool is_grad_enabled() { return grad_enabled; }
void set_grad_enabled(bool on) { grad_enabled = on; }

}  // namespace paragrad
