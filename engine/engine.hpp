#pragma once
// The engine layer: tensors, ops and reverse-mode autograd.
#include <paragrad/engine/autograd/anomaly.hpp>          // DetectAnomalyGuard, set_detect_anomaly
#include <paragrad/engine/autograd/custom_function.hpp>  // autograd::Function<T>
#include <paragrad/engine/autograd/engine.hpp>
#include <paragrad/engine/autograd/functional.hpp>
#include <paragrad/engine/autograd/grad_mode.hpp>
#include <paragrad/engine/autograd/graph_view.hpp>
#include <paragrad/engine/autograd/hooks.hpp>  // register_hook, retain_grad
#include <paragrad/engine/autograd/node.hpp>   // walking grad_fn() and its next_edges
#include <paragrad/engine/cpu_capability.hpp>  // cpu_capability, set_cpu_capability
#include <paragrad/engine/dtype.hpp>
#include <paragrad/engine/error.hpp>
#include <paragrad/engine/indexing.hpp>
#include <paragrad/engine/interop.hpp>   // from_blob, from_eigen, as_eigen, to_eigen<T>
#include <paragrad/engine/memory.hpp>    // empty_cache, set_memory_cache_limit
#include <paragrad/engine/parallel.hpp>  // set_num_threads, get_num_threads
#include <paragrad/engine/random.hpp>
#include <paragrad/engine/tensor.hpp>
