#pragma once
// Learning-rate schedulers (torch.optim.lr_scheduler, PyTorch 1.13 semantics). A scheduler
// sets every group's "lr" when built (its step 0) and on each step(); call step() after the
// optimizer's step, once per epoch (or per batch for OneCycleLR). The chainable formulas are
// PyTorch's, so the sequences agree with it to rounding.
#include <map>
#include <string>
#include <vector>

#include <paragrad/engine/export.hpp>
#include <paragrad/nn/optim/optimizer.hpp>

PARAGRAD_API_BEGIN

namespace paragrad::optim::lr_scheduler {

class LRScheduler {
 public:
  virtual ~LRScheduler();
  LRScheduler(const LRScheduler&) = delete;
  LRScheduler& operator=(const LRScheduler&) = delete;
  virtual void step();
  std::vector<double> get_last_lr() const { return last_lr_; }
  int64_t last_epoch() const { return last_epoch_; }
  const std::vector<double>& base_lrs() const { return base_lrs_; }
  // last_epoch, step count, base and last learning rates (Float64 tensors), plus the
  // scheduler's own counters; load_state_dict restores them (the optimizer's lr is part of the
  // optimizer's state_dict).
  virtual std::map<std::string, Tensor> state_dict() const;
  virtual void load_state_dict(const std::map<std::string, Tensor>& state);

 protected:
  explicit LRScheduler(Optimizer& optimizer);
  void initial_step();  // the constructor's step, called by each derived constructor
  // The learning rates for last_epoch (PyTorch's get_lr), from the groups' current ones.
  virtual std::vector<double> compute_lr() = 0;
  std::vector<double> group_lrs() const;

  Optimizer& optimizer_;
  std::vector<double> base_lrs_, last_lr_;
  int64_t last_epoch_ = -1, step_count_ = 0;
};

// lr × gamma every step_size epochs.
class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, int64_t step_size, double gamma = 0.1);

 protected:
  std::vector<double> compute_lr() override;

 private:
  int64_t step_size_;
  double gamma_;
};

// lr × gamma at each milestone epoch (a milestone listed twice applies twice).
class MultiStepLR : public LRScheduler {
 public:
  MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma = 0.1);

 protected:
  std::vector<double> compute_lr() override;

 private:
  std::map<int64_t, int64_t> milestones_;  // epoch -> count
  double gamma_;
};

// lr × gamma every epoch.
class ExponentialLR : public LRScheduler {
 public:
  ExponentialLR(Optimizer& optimizer, double gamma);

 protected:
  std::vector<double> compute_lr() override;

 private:
  double gamma_;
};

// Cosine annealing from the base lr to eta_min over T_max epochs (then back up, periodically),
// with PyTorch's recursive formula.
class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min = 0);

 protected:
  std::vector<double> compute_lr() override;

 private:
  int64_t t_max_;
  double eta_min_;
};

// The 1cycle policy (Smith & Topin 2017): lr from max_lr/div_factor up to max_lr over
// pct_start of total_steps, then down to initial_lr/final_div_factor; with cycle_momentum the
// optimizer's momentum (SGD, RMSprop) or beta1 (Adam, AdamW) cycles inversely. Step per batch;
// stepping past total_steps raises ValueError. total_steps <= 0: epochs * steps_per_epoch.
class OneCycleLR : public LRScheduler {
 public:
  OneCycleLR(Optimizer& optimizer, double max_lr, int64_t total_steps = 0, int64_t epochs = 0,
             int64_t steps_per_epoch = 0, double pct_start = 0.3,
             const std::string& anneal_strategy = "cos", bool cycle_momentum = true,
             double base_momentum = 0.85, double max_momentum = 0.95, double div_factor = 25.0,
             double final_div_factor = 1e4, bool three_phase = false);

 protected:
  std::vector<double> compute_lr() override;

 private:
  struct Phase {
    double end_step;
    int start_lr, end_lr, start_m, end_m;  // 0 initial, 1 max, 2 min (lr); 0 max, 1 base (m)
  };
  double anneal(double start, double end, double pct) const;

  int64_t total_steps_;
  bool cos_, cycle_momentum_, use_beta1_;
  std::vector<Phase> phases_;
  std::vector<double> initial_lr_, max_lr_, min_lr_, base_m_, max_m_;
};

// Divides the lr by 1/factor once the metric has stopped improving for `patience` epochs.
class ReduceLROnPlateau {
 public:
  ReduceLROnPlateau(Optimizer& optimizer, const std::string& mode = "min", double factor = 0.1,
                    int64_t patience = 10, double threshold = 1e-4,
                    const std::string& threshold_mode = "rel", int64_t cooldown = 0,
                    double min_lr = 0, double eps = 1e-8);
  void step(double metric);
  std::vector<double> get_last_lr() const;
  int64_t num_bad_epochs() const { return num_bad_epochs_; }
  double best() const { return best_; }
  std::map<std::string, Tensor> state_dict() const;
  void load_state_dict(const std::map<std::string, Tensor>& state);

 private:
  bool is_better(double a) const;

  Optimizer& optimizer_;
  bool minimize_, relative_;
  double factor_, threshold_, min_lr_, eps_, best_;
  int64_t patience_, cooldown_, cooldown_counter_ = 0, num_bad_epochs_ = 0, last_epoch_ = 0;
};

}  // namespace paragrad::optim::lr_scheduler

PARAGRAD_API_END
