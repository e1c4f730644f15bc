#pragma once
// Anomaly mode, as torch.autograd.detect_anomaly / set_detect_anomaly. While it is on:
//  - every node recorded remembers the chain of forward ops that produced its inputs (its
//    trace: the forward expression as op names, e.g. `log(sub(exp(leaf [3])))`, depth-bounded);
//  - backward checks every gradient a node returns: a NaN or Inf raises AutogradError naming the
//    backward node, the forward op that recorded it and its trace. Leaves' AccumulateGrad nodes
//    run last in such a pass, so when it raises no leaf's .grad() has been touched.
// The switch is global (PyTorch's is too): all threads see it. Off by default; when off,
// recording pays one relaxed atomic load per op and backward one per node.
#include <atomic>
#include <string>

#include <paragrad/engine/autograd/node.hpp>
#include <paragrad/engine/export.hpp>

PARAGRAD_API_BEGIN

namespace paragrad::detail {
inline std::atomic<bool> anomaly_enabled{false};
}

namespace paragrad::autograd {

inline bool is_anomaly_enabled() {
  return paragrad::detail::anomaly_enabled.load(std::memory_order_relaxed);
}
void set_detect_anomaly(bool on);

// RAII: anomaly mode on (or as given) in its scope; restores the state it found.
struct DetectAnomalyGuard {
  explicit DetectAnomalyGuard(bool on = true) : prev_(is_anomaly_enabled()) {
    set_detect_anomaly(on);
  }
  ~DetectAnomalyGuard() { set_detect_anomaly(prev_); }
  DetectAnomalyGuard(const DetectAnomalyGuard&) = delete;
  DetectAnomalyGuard& operator=(const DetectAnomalyGuard&) = delete;

 private:
  bool prev_;
};

// The forward op a node name stands for: "LogSoftmaxBackward" -> "log_softmax".
std::string forward_op_name(const char* node_name);
// The forward expression that produced n's output, as op names (leaves by shape), up to `depth`
// ops deep.
std::string forward_chain(const Node& n, int depth = 6);

// Recording: stores n's trace (call when is_anomaly_enabled(), after n's edges are set).
void record_anomaly_trace(Node& n);
// Backward: raises if one of the gradients n returned holds a NaN or Inf.
void check_anomaly(const Node& n, const TensorList& input_grads);

}  // namespace paragrad::autograd

PARAGRAD_API_END
