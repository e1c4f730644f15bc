#include <paragrad/nn/optim/lbfgs.hpp>
#include <paragrad/nn/optim/lbfgs_history.hpp>

#include <algorithm>
#include <cmath>
#include <utility>

namespace paragrad::optim {

namespace {

// Minimizer of the cubic through (x1, f1, g1), (x2, f2, g2), clamped to bounds
// (torch/optim/lbfgs.py, ported from minFunc's polyinterp).
double cubic_interpolate(double x1, double f1, double g1, double x2, double f2, double g2,
                         std::optional<std::pair<double, double>> bounds = std::nullopt) {
  double lo, hi;
  if (bounds) {
    lo = bounds->first;
    hi = bounds->second;
  } else {
    lo = x1 <= x2 ? x1 : x2;
    hi = x1 <= x2 ? x2 : x1;
  }
  const double d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2);
  const double d2_square = d1 * d1 - g1 * g2;
  if (d2_square >= 0) {
    const double d2 = std::sqrt(d2_square);
    const double min_pos = x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
                                    : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
    return std::min(std::max(min_pos, lo), hi);
  }
  return (lo + hi) / 2.0;
}

struct LineSearchResult {
  double f;
  Eigen::VectorXd g;
  double t;
  int64_t evals;
};

// Strong-Wolfe line search (torch/optim/lbfgs.py `_strong_wolfe`, from minFunc's WolfeLineSearch).
template <class Obj>
LineSearchResult strong_wolfe(Obj&& obj, double t, const Eigen::VectorXd& d, double f,
                              const Eigen::VectorXd& g, double gtd, double c1 = 1e-4,
                              double c2 = 0.9, double tolerance_change = 1e-9, int max_ls = 25) {
  const double d_norm = d.cwiseAbs().maxCoeff();
  auto [f_new, g_new] = obj(t);
  int64_t evals = 1;
  double gtd_new = g_new.dot(d);

  double t_prev = 0, f_prev = f, gtd_prev = gtd;
  Eigen::VectorXd g_prev = g;
  bool done = false;
  int ls_iter = 0;
  double br[2] = {0, 0}, br_f[2] = {0, 0}, br_gtd[2] = {0, 0};
  Eigen::VectorXd br_g[2];
  int n_br = 0;
  while (ls_iter < max_ls) {
    if (f_new > f + c1 * t * gtd || (ls_iter > 1 && f_new >= f_prev)) {
      br[0] = t_prev, br[1] = t, br_f[0] = f_prev, br_f[1] = f_new;
      br_g[0] = g_prev, br_g[1] = g_new, br_gtd[0] = gtd_prev, br_gtd[1] = gtd_new;
      n_br = 2;
      break;
    }
    if (std::abs(gtd_new) <= -c2 * gtd) {
      br[0] = t, br_f[0] = f_new, br_g[0] = g_new;
      n_br = 1;
      done = true;
      break;
    }
    if (gtd_new >= 0) {
      br[0] = t_prev, br[1] = t, br_f[0] = f_prev, br_f[1] = f_new;
      br_g[0] = g_prev, br_g[1] = g_new, br_gtd[0] = gtd_prev, br_gtd[1] = gtd_new;
      n_br = 2;
      break;
    }
    const double min_step = t + 0.01 * (t - t_prev), max_step = t * 10;
    const double tmp = t;
    t = cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                          std::make_pair(min_step, max_step));
    t_prev = tmp;
    f_prev = f_new;
    g_prev = g_new;
    gtd_prev = gtd_new;
    std::tie(f_new, g_new) = obj(t);
    evals += 1;
    gtd_new = g_new.dot(d);
    ls_iter += 1;
  }
  if (ls_iter == max_ls) {
    br[0] = 0, br[1] = t, br_f[0] = f, br_f[1] = f_new, br_g[0] = g, br_g[1] = g_new;
    n_br = 2;  // as PyTorch: bracket_gtd keeps its last values
  }

  bool insuf_progress = false;
  int low = 0, high = 1;
  if (n_br == 2 && !(br_f[0] <= br_f[1])) low = 1, high = 0;
  while (!done && ls_iter < max_ls) {
    if (std::abs(br[1] - br[0]) * d_norm < tolerance_change) break;
    t = cubic_interpolate(br[0], br_f[0], br_gtd[0], br[1], br_f[1], br_gtd[1]);
    const double bmax = std::max(br[0], br[1]), bmin = std::min(br[0], br[1]);
    const double eps = 0.1 * (bmax - bmin);
    if (std::min(bmax - t, t - bmin) < eps) {
      if (insuf_progress || t >= bmax || t <= bmin) {
        t = std::abs(t - bmax) < std::abs(t - bmin) ? bmax - eps : bmin + eps;
        insuf_progress = false;
      } else {
        insuf_progress = true;
      }
    } else {
      insuf_progress = false;
    }
    std::tie(f_new, g_new) = obj(t);
    evals += 1;
    gtd_new = g_new.dot(d);
    ls_iter += 1;
    if (f_new > f + c1 * t * gtd || f_new >= br_f[low]) {
      br[high] = t, br_f[high] = f_new, br_g[high] = g_new, br_gtd[high] = gtd_new;
      if (br_f[0] <= br_f[1])
        low = 0, high = 1;
      else
        low = 1, high = 0;
    } else {
      if (std::abs(gtd_new) <= -c2 * gtd) {
        done = true;
      } else if (gtd_new * (br[high] - br[low]) >= 0) {
        br[high] = br[low], br_f[high] = br_f[low], br_g[high] = br_g[low];
        br_gtd[high] = br_gtd[low];
      }
      br[low] = t, br_f[low] = f_new, br_g[low] = g_new, br_gtd[low] = gtd_new;
    }
  }
  return {br_f[low], br_g[low], br[low], evals};
}

}  // namespace

LBFGS::LBFGS(const TensorList& params, double lr, int64_t max_iter, int64_t max_eval,
             double tolerance_grad, double tolerance_change, int64_t history_size,
             const std::string& line_search_fn)
    : Optimizer(params, {{"lr", lr},
                         {"max_iter", double(max_iter)},
                         {"max_eval", double(max_eval > 0 ? max_eval : max_iter * 5 / 4)},
                         {"tolerance_grad", tolerance_grad},
                         {"tolerance_change", tolerance_change},
                         {"history_size", double(history_size)}}),
      strong_wolfe_(line_search_fn == "strong_wolfe"),
      h_(std::make_unique<History>()) {
  check<ValueError>(line_search_fn.empty() || strong_wolfe_,
                    "LBFGS: only 'strong_wolfe' is supported as line_search_fn, got '",
                    line_search_fn, "'");
  add_param_group(params);
}

LBFGS::~LBFGS() = default;

void LBFGS::check_options(const Options& o) const {
  check<ValueError>(param_groups().empty(),
                    "LBFGS: doesn't support per-parameter options (parameter groups)");
  check<ValueError>(o.at("lr") >= 0, "LBFGS: invalid learning rate: ", o.at("lr"));
  check<ValueError>(o.at("max_iter") >= 1, "LBFGS: max_iter must be positive, got ",
                    o.at("max_iter"));
  check<ValueError>(o.at("history_size") >= 1, "LBFGS: history_size must be positive, got ",
                    o.at("history_size"));
}

void LBFGS::reset_state(const Tensor& param) {
  Optimizer::reset_state(param);
  func_evals_ = n_iter_ = 0;  // the next step starts with a steepest-descent direction
  h_->old_dirs.clear();
  h_->old_stps.clear();
  ro_.clear();
}

void LBFGS::step() {
  throw ValueError("LBFGS: step needs a closure that reevaluates the model and returns the loss");
}

Eigen::VectorXd LBFGS::gather_flat_grad() const {
  int64_t n = 0;
  for (const auto& p : param_groups()[0].params) n += p.numel();
  Eigen::VectorXd out = Eigen::VectorXd::Zero(n);
  int64_t off = 0;
  for (const auto& p : param_groups()[0].params) {
    const Tensor g = p.grad();
    if (g.defined()) {
      const std::vector<double> v = g.tolist();
      for (size_t i = 0; i < v.size(); ++i) out[off + int64_t(i)] = v[i];
    }
    off += p.numel();
  }
  return out;
}

void LBFGS::add_to_params(double step, const Eigen::VectorXd& d) {
  NoGradGuard guard;
  int64_t off = 0;
  for (auto& p : param_groups()[0].params) {
    std::vector<double> v(d.data() + off, d.data() + off + p.numel());
    p.add_(tensor(v, p.shape(), kFloat64).to(p.dtype()), step);
    off += p.numel();
  }
}

std::vector<Tensor> LBFGS::clone_params() const {
  std::vector<Tensor> out;
  for (const auto& p : param_groups()[0].params) out.push_back(p.detach().clone());
  return out;
}

void LBFGS::set_params(const std::vector<Tensor>& values) {
  NoGradGuard guard;
  auto& ps = param_groups()[0].params;
  for (size_t i = 0; i < ps.size(); ++i) ps[i].copy_(values[i]);
}

double LBFGS::eval_closure(const std::function<Tensor()>& closure, Tensor* loss) {
  EnableGradGuard enable;
  Tensor l = closure();
  check<ValueError>(l.defined() && l.numel() == 1,
                    "LBFGS: the closure must return a one-element "
                    "loss tensor");
  if (loss) *loss = l;
  return l.detach().to(kFloat64).item<double>();
}

Tensor LBFGS::step(const std::function<Tensor()>& closure) {
  check<ValueError>(bool(closure),
                    "LBFGS: step needs a closure that reevaluates the model and returns the loss");
  NoGradGuard guard;
  const ParamGroup& group = param_groups()[0];
  // As PyTorch, nothing to optimize is an error (its max() of an empty gradient raises); here
  // before the closure runs, so nothing is touched.
  int64_t total = 0;
  std::string shapes;
  for (const Tensor& p : group.params) {
    total += p.numel();
    shapes += (shapes.empty() ? "" : ", ") + std::string(shape_str(p.sizes()));
  }
  check<ValueError>(total > 0, "LBFGS: the parameters hold no elements (shapes ", shapes,
                    "): nothing to optimize");
  const double lr = group["lr"], tolerance_grad = group["tolerance_grad"],
               tolerance_change = group["tolerance_change"];
  const int64_t max_iter = int64_t(group["max_iter"]), max_eval = int64_t(group["max_eval"]);
  const size_t history_size = size_t(group["history_size"]);

  Tensor orig_loss;
  double loss = eval_closure(closure, &orig_loss);
  int64_t current_evals = 1;
  func_evals_ += 1;
  Eigen::VectorXd flat_grad = gather_flat_grad();
  bool opt_cond = flat_grad.cwiseAbs().maxCoeff() <= tolerance_grad;
  if (opt_cond) return orig_loss;

  int64_t n_iter = 0;
  while (n_iter < max_iter) {
    n_iter += 1;
    n_iter_ += 1;
    // --- descent direction
    if (n_iter_ == 1) {
      h_->d = -flat_grad;
      h_->old_dirs.clear();
      h_->old_stps.clear();
      ro_.clear();
      h_diag_ = 1;
    } else {
      const Eigen::VectorXd y = flat_grad - h_->prev_flat_grad;
      const Eigen::VectorXd s = h_->d * t_;
      const double ys = y.dot(s);
      if (ys > 1e-10) {
        if (h_->old_dirs.size() == history_size) {
          h_->old_dirs.pop_front();
          h_->old_stps.pop_front();
          ro_.pop_front();
        }
        h_->old_dirs.push_back(y);
        h_->old_stps.push_back(s);
        ro_.push_back(1.0 / ys);
        h_diag_ = ys / y.dot(y);
      }
      const size_t num_old = h_->old_dirs.size();
      std::vector<double> al(num_old);
      Eigen::VectorXd q = -flat_grad;
      for (size_t k = num_old; k-- > 0;) {
        al[k] = h_->old_stps[k].dot(q) * ro_[k];
        q -= al[k] * h_->old_dirs[k];
      }
      Eigen::VectorXd r = q * h_diag_;
      for (size_t k = 0; k < num_old; ++k) {
        const double be_i = h_->old_dirs[k].dot(r) * ro_[k];
        r += (al[k] - be_i) * h_->old_stps[k];
      }
      h_->d = r;
    }
    h_->prev_flat_grad = flat_grad;
    prev_loss_ = loss;

    // --- step length
    t_ = n_iter_ == 1 ? std::min(1.0, 1.0 / flat_grad.cwiseAbs().sum()) * lr : lr;
    const double gtd = flat_grad.dot(h_->d);
    if (gtd > -tolerance_change) break;

    int64_t ls_func_evals = 0;
    if (strong_wolfe_) {
      const std::vector<Tensor> x_init = clone_params();
      auto obj = [&](double t) {
        add_to_params(t, h_->d);
        const double f = eval_closure(closure);
        Eigen::VectorXd g = gather_flat_grad();
        set_params(x_init);
        return std::make_pair(f, g);
      };
      LineSearchResult res = strong_wolfe(obj, t_, h_->d, loss, flat_grad, gtd);
      loss = res.f;
      flat_grad = std::move(res.g);
      t_ = res.t;
      ls_func_evals = res.evals;
      add_to_params(t_, h_->d);
      opt_cond = flat_grad.cwiseAbs().maxCoeff() <= tolerance_grad;
    } else {
      add_to_params(t_, h_->d);
      if (n_iter != max_iter) {
        loss = eval_closure(closure);
        flat_grad = gather_flat_grad();
        opt_cond = flat_grad.cwiseAbs().maxCoeff() <= tolerance_grad;
        ls_func_evals = 1;
      }
    }
    current_evals += ls_func_evals;
    func_evals_ += ls_func_evals;

    // --- stopping conditions
    if (n_iter == max_iter) break;
    if (current_evals >= max_eval) break;
    if (opt_cond) break;
    if ((h_->d * t_).cwiseAbs().maxCoeff() <= tolerance_change) break;
    if (std::abs(loss - prev_loss_) < tolerance_change) break;
  }
  return orig_loss;
}

}  // namespace paragrad::optim
