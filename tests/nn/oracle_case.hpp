#pragma once
// Helpers for the PyTorch cases of nn_layers_oracle.hpp: tensors from the arrays, the module's
// state loaded strictly from PyTorch's state_dict (so its keys must be PyTorch's), outputs and
// gradients compared.
#include <catch2/catch.hpp>

#include <string>

#include <paragrad/nn/nn.hpp>

#include "nn/nn_layers_oracle.hpp"

namespace oracle_case {

using nn_layers_oracle::Array;
using nn_layers_oracle::Case;
using paragrad::Dtype;
using paragrad::Shape;
using paragrad::Tensor;
using paragrad::TensorList;

inline bool has(const Case& c, const std::string& key) { return c.count(key) > 0; }

inline Tensor get(const Case& c, const std::string& key, Dtype dtype = paragrad::kFloat64) {
  INFO("oracle key " << key);
  REQUIRE(has(c, key));
  const Array& a = c.at(key);
  return paragrad::tensor(a.values, Shape(a.shape.begin(), a.shape.end()), dtype);
}

// The "<prefix><key>" entries as a state_dict (num_batches_tracked as Int64).
inline std::map<std::string, Tensor> state(const Case& c, const std::string& prefix = "state.") {
  std::map<std::string, Tensor> out;
  for (const auto& [k, a] : c)
    if (k.compare(0, prefix.size(), prefix) == 0) {
      const std::string key = k.substr(prefix.size());
      const bool integral =
          key.size() >= 19 && key.substr(key.size() - 19) == "num_batches_tracked";
      out[key] = get(c, k, integral ? paragrad::kInt64 : paragrad::kFloat64);
    }
  return out;
}

inline std::vector<std::string> keys_of(const std::map<std::string, Tensor>& m) {
  std::vector<std::string> k;
  for (const auto& e : m) k.push_back(e.first);
  return k;
}

// got ≈ want in shape and values.
inline void check_close(const Tensor& got, const Case& c, const std::string& key,
                        double rtol = 1e-9, double atol = 1e-11) {
  INFO("comparing with oracle key " << key);
  REQUIRE(got.defined());
  const Tensor want =
      get(c, key, got.dtype() == paragrad::kInt64 ? paragrad::kInt64 : paragrad::kFloat64);
  REQUIRE(got.shape() == want.shape());
  const auto g = got.to(paragrad::kFloat64).tolist(), w = want.to(paragrad::kFloat64).tolist();
  double worst = 0;
  size_t at = 0;
  for (size_t i = 0; i < g.size(); ++i) {
    const double err = std::abs(g[i] - w[i]) - rtol * std::abs(w[i]);
    if (!(err <= atol) && (std::isnan(err) ? 1e300 : err) > worst) {
      worst = std::isnan(err) ? 1e300 : err;
      at = i;
    }
  }
  INFO("worst element " << at << ": got " << (g.empty() ? 0 : g[at]) << ", want "
                        << (w.empty() ? 0 : w[at]));
  CHECK(worst == 0);
}

// Inputs "input", "input2", ... (floating ones require grad).
inline TensorList inputs(const Case& c) {
  TensorList xs;
  for (int i = 1;; ++i) {
    const std::string key = i == 1 ? "input" : "input" + std::to_string(i);
    if (!has(c, key)) break;
    Tensor x = get(c, key);
    x.requires_grad_(true);
    xs.push_back(x);
  }
  return xs;
}

// Loads the case's state into m strictly, runs `run`, and compares outputs, gradients of the
// inputs and parameters, and the state afterwards (BatchNorm's running statistics).
template <class Run>
void check_module(paragrad::nn::Module& m, const Case& c, Run run, double rtol = 1e-9,
                  double atol = 1e-11) {
  const auto sd = state(c);
  if (!sd.empty()) m.load_state_dict(sd, /*strict=*/true);
  CHECK(keys_of(m.state_dict()) == keys_of(sd));
  TensorList xs = inputs(c);
  const TensorList outs = run(xs);
  Tensor total;
  for (size_t i = 0; i < outs.size(); ++i) {
    const std::string sfx = i == 0 ? "" : std::to_string(i + 1);
    if (!has(c, "output" + sfx)) continue;
    check_close(outs[i], c, "output" + sfx, rtol, atol);
    if (has(c, "grad_output" + sfx)) {
      const Tensor t = (outs[i] * get(c, "grad_output" + sfx)).sum();
      total = total.defined() ? total + t : t;
    }
  }
  for (const auto& [k, t] : state(c, "after.")) {
    INFO("state after the forward: " << k);
    check_close(m.state_dict().at(k), c, "after." + k, rtol, atol);
  }
  if (!total.defined()) return;
  TensorList wrt;
  std::vector<std::string> names;
  for (size_t i = 0; i < xs.size(); ++i) {
    const std::string key = i == 0 ? "grad.input" : "grad.input" + std::to_string(i + 1);
    if (has(c, key)) {
      wrt.push_back(xs[i]);
      names.push_back(key);
    }
  }
  for (const auto& [n, p] : m.named_parameters())
    if (has(c, "grad." + n)) {
      wrt.push_back(p);
      names.push_back("grad." + n);
    }
  const TensorList gs = paragrad::autograd::grad({total}, wrt, {}, false, false, true);
  for (size_t i = 0; i < gs.size(); ++i) check_close(gs[i], c, names[i], rtol, atol);
}

}  // namespace oracle_case
