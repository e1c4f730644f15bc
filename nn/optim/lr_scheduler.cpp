// Learning-rate schedulers, after torch/optim/lr_scheduler.py (PyTorch 1.13).
#include <paragrad/nn/optim/lr_scheduler.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

namespace paragrad::optim::lr_scheduler {

namespace {

int64_t py_mod(int64_t a, int64_t b) { return ((a % b) + b) % b; }  // Python's %

Tensor doubles(const std::vector<double>& v) { return tensor(v, {int64_t(v.size())}, kFloat64); }

double number(const std::map<std::string, Tensor>& s, const std::string& key, const char* who) {
  auto it = s.find(key);
  check<ValueError>(it != s.end(), who, ".load_state_dict: missing '", key, "'");
  check<ValueError>(it->second.defined() && it->second.numel() == 1, who, ".load_state_dict: '",
                    key, "' must be a single number");
  return it->second.to(kFloat64).item<double>();
}

}  // namespace

// --- base
LRScheduler::LRScheduler(Optimizer& optimizer) : optimizer_(optimizer) { base_lrs_ = group_lrs(); }
LRScheduler::~LRScheduler() = default;

std::vector<double> LRScheduler::group_lrs() const {
  std::vector<double> lrs;
  for (const auto& g : optimizer_.param_groups()) lrs.push_back(g["lr"]);
  return lrs;
}

void LRScheduler::initial_step() { step(); }

void LRScheduler::step() {
  ++step_count_;
  ++last_epoch_;
  const std::vector<double> lrs = compute_lr();
  auto& groups = optimizer_.param_groups();
  check<ValueError>(lrs.size() == groups.size(),
                    "lr_scheduler: the optimizer's parameter groups changed (", groups.size(),
                    " groups, the scheduler knows ", lrs.size(), ")");
  for (size_t i = 0; i < groups.size(); ++i) groups[i]["lr"] = lrs[i];
  last_lr_ = group_lrs();
}

std::map<std::string, Tensor> LRScheduler::state_dict() const {
  return {{"last_epoch", scalar(double(last_epoch_), kInt64)},
          {"_step_count", scalar(double(step_count_), kInt64)},
          {"base_lrs", doubles(base_lrs_)},
          {"_last_lr", doubles(last_lr_)}};
}

void LRScheduler::load_state_dict(const std::map<std::string, Tensor>& state) {
  const char* who = "LRScheduler";
  const int64_t last_epoch = int64_t(number(state, "last_epoch", who));
  const int64_t steps = int64_t(number(state, "_step_count", who));
  auto vec = [&](const char* key) {
    auto it = state.find(key);
    check<ValueError>(it != state.end(), who, ".load_state_dict: missing '", key, "'");
    check<ShapeError>(it->second.dim() == 1 && it->second.size(0) == int64_t(base_lrs_.size()), who,
                      ".load_state_dict: '", key, "' has shape ", shape_str(it->second.sizes()),
                      ", expected [", base_lrs_.size(), "]");
    return it->second.tolist();
  };
  std::vector<double> base = vec("base_lrs"), last = vec("_last_lr");
  last_epoch_ = last_epoch;
  step_count_ = steps;
  base_lrs_ = std::move(base);
  last_lr_ = std::move(last);
}

// --- StepLR
StepLR::StepLR(Optimizer& optimizer, int64_t step_size, double gamma)
    : LRScheduler(optimizer), step_size_(step_size), gamma_(gamma) {
  check<ValueError>(step_size > 0, "StepLR: step_size must be positive, got ", step_size);
  initial_step();
}

std::vector<double> StepLR::compute_lr() {
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ == 0 || last_epoch_ % step_size_ != 0) return lrs;
  for (double& lr : lrs) lr *= gamma_;
  return lrs;
}

// --- MultiStepLR
MultiStepLR::MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma)
    : LRScheduler(optimizer), gamma_(gamma) {
  for (int64_t m : milestones) ++milestones_[m];
  initial_step();
}

std::vector<double> MultiStepLR::compute_lr() {
  std::vector<double> lrs = group_lrs();
  auto it = milestones_.find(last_epoch_);
  if (it == milestones_.end()) return lrs;
  for (double& lr : lrs) lr *= std::pow(gamma_, double(it->second));
  return lrs;
}

// --- ExponentialLR
ExponentialLR::ExponentialLR(Optimizer& optimizer, double gamma)
    : LRScheduler(optimizer), gamma_(gamma) {
  initial_step();
}

std::vector<double> ExponentialLR::compute_lr() {
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ == 0) return lrs;
  for (double& lr : lrs) lr *= gamma_;
  return lrs;
}

// --- CosineAnnealingLR
CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min)
    : LRScheduler(optimizer), t_max_(T_max), eta_min_(eta_min) {
  check<ValueError>(T_max > 0, "CosineAnnealingLR: T_max must be positive, got ", T_max);
  initial_step();
}

std::vector<double> CosineAnnealingLR::compute_lr() {
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ == 0) return lrs;
  const double T = double(t_max_), e = double(last_epoch_);
  if (py_mod(last_epoch_ - 1 - t_max_, 2 * t_max_) == 0) {
    for (size_t i = 0; i < lrs.size(); ++i)
      lrs[i] = lrs[i] + (base_lrs_[i] - eta_min_) * (1 - std::cos(M_PI / T)) / 2;
    return lrs;
  }
  for (double& lr : lrs)
    lr = (1 + std::cos(M_PI * e / T)) / (1 + std::cos(M_PI * (e - 1) / T)) * (lr - eta_min_) +
         eta_min_;
  return lrs;
}

// --- OneCycleLR
OneCycleLR::OneCycleLR(Optimizer& optimizer, double max_lr, int64_t total_steps, int64_t epochs,
                       int64_t steps_per_epoch, double pct_start,
                       const std::string& anneal_strategy, bool cycle_momentum,
                       double base_momentum, double max_momentum, double div_factor,
                       double final_div_factor, bool three_phase)
    : LRScheduler(optimizer), cycle_momentum_(cycle_momentum) {
  const char* who = "OneCycleLR";
  if (total_steps > 0) {
    total_steps_ = total_steps;
  } else {
    check<ValueError>(epochs > 0 && steps_per_epoch > 0, who,
                      ": give total_steps, or epochs and steps_per_epoch, all positive (got ",
                      total_steps, ", ", epochs, ", ", steps_per_epoch, ")");
    total_steps_ = epochs * steps_per_epoch;
  }
  check<ValueError>(pct_start >= 0 && pct_start <= 1, who,
                    ": expected float between 0 and 1 pct_start, but got ", pct_start);
  check<ValueError>(anneal_strategy == "cos" || anneal_strategy == "linear", who,
                    ": anneal_strategy must by one of 'cos' or 'linear', instead got '",
                    anneal_strategy, "'");
  cos_ = anneal_strategy == "cos";
  const double T = double(total_steps_);
  if (three_phase) {
    phases_ = {
        {pct_start * T - 1, 0, 1, 0, 1}, {2 * pct_start * T - 2, 1, 0, 1, 0}, {T - 1, 0, 2, 0, 0}};
  } else {
    phases_ = {{pct_start * T - 1, 0, 1, 0, 1}, {T - 1, 1, 2, 1, 0}};
  }
  const Options& defaults = optimizer.defaults();
  use_beta1_ = defaults.count("beta1") > 0;
  check<ValueError>(!cycle_momentum || use_beta1_ || defaults.count("momentum"), who,
                    ": optimizer ", optimizer.name(),
                    " does not support momentum with option cycle_momentum enabled");
  for (auto& g : optimizer.param_groups()) {
    initial_lr_.push_back(max_lr / div_factor);
    max_lr_.push_back(max_lr);
    min_lr_.push_back(max_lr / div_factor / final_div_factor);
    g["lr"] = initial_lr_.back();
    if (cycle_momentum) {
      base_m_.push_back(base_momentum);
      max_m_.push_back(max_momentum);
      g[use_beta1_ ? "beta1" : "momentum"] = max_momentum;
    }
  }
  base_lrs_ = initial_lr_;
  initial_step();
}

double OneCycleLR::anneal(double start, double end, double pct) const {
  if (cos_) return end + (start - end) / 2.0 * (std::cos(M_PI * pct) + 1);
  return (end - start) * pct + start;
}

std::vector<double> OneCycleLR::compute_lr() {
  check<ValueError>(last_epoch_ <= total_steps_, "OneCycleLR: tried to step ", last_epoch_,
                    " times. The specified number of total steps is ", total_steps_);
  auto& groups = optimizer_.param_groups();
  std::vector<double> lrs;
  const double step = double(last_epoch_);
  for (size_t gi = 0; gi < groups.size(); ++gi) {
    const double lr_at[3] = {initial_lr_[gi], max_lr_[gi], min_lr_[gi]};
    double start = 0, lr = 0, m = 0;
    for (size_t i = 0; i < phases_.size(); ++i) {
      const Phase& p = phases_[i];
      if (step <= p.end_step || i + 1 == phases_.size()) {
        const double pct = (step - start) / (p.end_step - start);
        lr = anneal(lr_at[p.start_lr], lr_at[p.end_lr], pct);
        if (cycle_momentum_) {
          const double m_at[2] = {max_m_[gi], base_m_[gi]};
          m = anneal(m_at[p.start_m], m_at[p.end_m], pct);
        }
        break;
      }
      start = p.end_step;
    }
    lrs.push_back(lr);
    if (cycle_momentum_) groups[gi][use_beta1_ ? "beta1" : "momentum"] = m;
  }
  return lrs;
}

// --- ReduceLROnPlateau
ReduceLROnPlateau::ReduceLROnPlateau(Optimizer& optimizer, const std::string& mode, double factor,
                                     int64_t patience, double threshold,
                                     const std::string& threshold_mode, int64_t cooldown,
                                     double min_lr, double eps)
    : optimizer_(optimizer),
      minimize_(mode == "min"),
      relative_(threshold_mode == "rel"),
      factor_(factor),
      threshold_(threshold),
      min_lr_(min_lr),
      eps_(eps),
      patience_(patience),
      cooldown_(cooldown) {
  const char* who = "ReduceLROnPlateau";
  check<ValueError>(factor < 1.0, who, ": factor should be < 1.0, got ", factor);
  check<ValueError>(mode == "min" || mode == "max", who, ": mode ", mode, " is unknown!");
  check<ValueError>(threshold_mode == "rel" || threshold_mode == "abs", who, ": threshold mode ",
                    threshold_mode, " is unknown!");
  check<ValueError>(patience >= 0 && cooldown >= 0, who,
                    ": patience and cooldown must be non-negative");
  best_ = minimize_ ? std::numeric_limits<double>::infinity()
                    : -std::numeric_limits<double>::infinity();
}

bool ReduceLROnPlateau::is_better(double a) const {
  if (minimize_) return relative_ ? a < best_ * (1 - threshold_) : a < best_ - threshold_;
  return relative_ ? a > best_ * (threshold_ + 1) : a > best_ + threshold_;
}

void ReduceLROnPlateau::step(double metric) {
  ++last_epoch_;
  if (is_better(metric)) {
    best_ = metric;
    num_bad_epochs_ = 0;
  } else {
    ++num_bad_epochs_;
  }
  if (cooldown_counter_ > 0) {
    --cooldown_counter_;
    num_bad_epochs_ = 0;
  }
  if (num_bad_epochs_ > patience_) {
    for (auto& g : optimizer_.param_groups()) {
      const double old_lr = g["lr"];
      const double new_lr = std::max(old_lr * factor_, min_lr_);
      if (old_lr - new_lr > eps_) g["lr"] = new_lr;
    }
    cooldown_counter_ = cooldown_;
    num_bad_epochs_ = 0;
  }
}

std::vector<double> ReduceLROnPlateau::get_last_lr() const {
  std::vector<double> lrs;
  for (const auto& g : optimizer_.param_groups()) lrs.push_back(g["lr"]);
  return lrs;
}

std::map<std::string, Tensor> ReduceLROnPlateau::state_dict() const {
  return {{"best", scalar(best_, kFloat64)},
          {"num_bad_epochs", scalar(double(num_bad_epochs_), kInt64)},
          {"cooldown_counter", scalar(double(cooldown_counter_), kInt64)},
          {"last_epoch", scalar(double(last_epoch_), kInt64)}};
}

void ReduceLROnPlateau::load_state_dict(const std::map<std::string, Tensor>& state) {
  const char* who = "ReduceLROnPlateau";
  const double best = number(state, "best", who);
  const auto bad = int64_t(number(state, "num_bad_epochs", who));
  const auto cool = int64_t(number(state, "cooldown_counter", who));
  const auto last = int64_t(number(state, "last_epoch", who));
  best_ = best;
  num_bad_epochs_ = bad;
  cooldown_counter_ = cool;
  last_epoch_ = last;
}

}  // namespace paragrad::optim::lr_scheduler
