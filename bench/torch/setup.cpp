// The LibTorch side's process settings: its thread counts follow the row's (one thread unless a
// row says otherwise), inter-op parallelism off, and its version in the JSON's context.
#include <ATen/Parallel.h>
#include <torch/torch.h>

#include "harness.hpp"

namespace {

const bool registered = [] {
  bench::add_context("torch_version", TORCH_VERSION);
  bench::add_thread_setter([](int n) {
    static const bool interop = [] {
      at::set_num_interop_threads(1);
      return true;
    }();
    (void)interop;
    if (at::get_num_threads() != n) at::set_num_threads(n);
  });
  return true;
}();

}  // namespace
