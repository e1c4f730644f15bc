#include <paragrad/engine/autograd/anomaly.hpp>

#include <cctype>
#include <cstring>

#include <paragrad/engine/autograd/grad_mode.hpp>
#include <paragrad/engine/autograd/hooks.hpp>

namespace paragrad::autograd {

void set_detect_anomaly(bool on) {
  paragrad::detail::anomaly_enabled.store(on, std::memory_order_relaxed);
}

std::string forward_op_name(const char* node_name) {
  std::string s(node_name);
  if (s == "AccumulateGrad") return "leaf";
  if (s == "CopySlices") return "in-place op on a view";
  for (const char* suffix : {"Backwards", "Backward"}) {
    const size_t n = std::strlen(suffix);
    if (s.size() > n && s.compare(s.size() - n, n, suffix) == 0) {
      s.resize(s.size() - n);
      break;
    }
  }
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (std::isupper(static_cast<unsigned char>(c))) {
      const bool after_lower = i > 0 && !std::isupper(static_cast<unsigned char>(s[i - 1]));
      if (after_lower) out += '_';
      out += char(std::tolower(static_cast<unsigned char>(c)));
    } else {
      out += c;
    }
  }
  return out;
}

namespace {

constexpr size_t kMaxChain = 400;  // characters, so a wide graph stays readable

void write_chain(std::string& out, const Node& n, int depth) {
  if (out.size() > kMaxChain) return;
  if (n.is_accumulator()) {
    out += cat("leaf ", shape_str(n.outputs.empty() ? Dims{} : n.outputs[0].shape));
    return;
  }
  out += forward_op_name(n.name());
  out += '(';
  if (depth <= 1) {
    out += "...)";
    return;
  }
  bool first = true;
  for (const Edge& e : n.next_edges) {
    if (!e.fn) continue;
    if (!first) out += ", ";
    first = false;
    if (out.size() > kMaxChain) {
      out += "...";
      break;
    }
    write_chain(out, *e.fn, depth - 1);
  }
  out += ')';
}

bool finite(const Tensor& g) {
  if (!is_floating(g.dtype())) return true;
  NoGradGuard no_grad;
  return g.isfinite().all();
}

}  // namespace

std::string forward_chain(const Node& n, int depth) {
  std::string out;
  write_chain(out, n, depth);
  return out;
}

void record_anomaly_trace(Node& n) { node_extra(n).anomaly_trace = forward_chain(n); }

void check_anomaly(const Node& n, const TensorList& input_grads) {
  for (size_t k = 0; k < input_grads.size(); ++k) {
    const Tensor& g = input_grads[k];
    if (!g.defined() || finite(g)) continue;
    bool nan = false;
    {
      NoGradGuard no_grad;
      nan = g.isnan().any();
    }
    const NodeExtra* x = n.extra.load(std::memory_order_acquire);
    const std::string trace =
        x && !x->anomaly_trace.empty()
            ? x->anomaly_trace
            : forward_chain(n) + " (recorded with anomaly mode off; this is the graph now)";
    throw AutogradError(cat("anomaly mode: ", n.name(), " (the backward of ",
                            forward_op_name(n.name()), ") returned ", nan ? "NaN" : "Inf",
                            " values in its gradient for input ", k, " (shape ",
                            shape_str(g.sizes()), "); the forward op was recorded as ", trace,
                            ". No leaf's .grad() was changed"));
  }
}

}  // namespace paragrad::autograd
