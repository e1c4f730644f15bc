#pragma once
// L-BFGS with an optional strong-Wolfe line search, as torch.optim.LBFGS (one parameter group;
// step needs a closure that recomputes the loss and its gradients). The flat search
// vectors are kept in double precision.
#include <deque>
#include <memory>
#include <optional>

#include <Eigen/Core>

#include <paragrad/engine/export.hpp>
#include <paragrad/nn/optim/optimizer.hpp>

PARAGRAD_API_BEGIN

namespace paragrad::optim {

class LBFGS : public Optimizer {
 public:
  // max_eval <= 0 means max_iter * 5 / 4; line_search_fn: "" (fixed step) or "strong_wolfe".
  LBFGS(const TensorList& params, double lr = 1, int64_t max_iter = 20, int64_t max_eval = 0,
        double tolerance_grad = 1e-7, double tolerance_change = 1e-9, int64_t history_size = 100,
        const std::string& line_search_fn = "");
  ~LBFGS() override;
  std::string name() const override { return "LBFGS"; }
  void step() override;  // Error: LBFGS needs a closure
  Tensor step(const std::function<Tensor()>& closure) override;
  // The curvature history spans every parameter: resetting one restarts it (as a fresh LBFGS).
  void reset_state(const Tensor& param) override;
  int64_t func_evals() const { return func_evals_; }
  int64_t n_iter() const { return n_iter_; }

 protected:
  void step_group(ParamGroup&) override {}
  void check_options(const Options& o) const override;
  void save_extra_state(std::map<std::string, Tensor>& out) const override;  // lbfgs_state.cpp
  void load_extra_state(const std::map<std::string, Tensor>& extra) override;
  void check_loaded_options(const Options& o) const override;

 private:
  Eigen::VectorXd gather_flat_grad() const;
  void add_to_params(double step, const Eigen::VectorXd& d);
  std::vector<Tensor> clone_params() const;
  void set_params(const std::vector<Tensor>& values);
  double eval_closure(const std::function<Tensor()>& closure, Tensor* loss = nullptr);

  bool strong_wolfe_;
  // state across steps (PyTorch keeps it in state[params[0]])
  int64_t func_evals_ = 0, n_iter_ = 0;
  double t_ = 0, h_diag_ = 1, prev_loss_ = 0;
  std::deque<double> ro_;
  // The search direction, previous gradient and curvature pairs (nn/optim/lbfgs_history.hpp):
  // behind a pointer, so that no Eigen object is made or freed in an application's code.
  struct History;
  std::unique_ptr<History> h_;
};

}  // namespace paragrad::optim

PARAGRAD_API_END
