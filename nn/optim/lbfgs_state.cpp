// LBFGS's state across steps (PyTorch keeps it in state[params[0]]) for Optimizer::state_dict:
// counters, the last direction and step, the curvature history, all in double precision.
#include <paragrad/nn/optim/lbfgs.hpp>
#include <paragrad/nn/optim/lbfgs_history.hpp>

namespace paragrad::optim {

namespace {

Tensor vec_tensor(const Eigen::VectorXd& v) {
  return tensor(std::vector<double>(v.data(), v.data() + v.size()), {int64_t(v.size())}, kFloat64);
}

Tensor history_tensor(const std::deque<Eigen::VectorXd>& h, int64_t n) {
  std::vector<double> flat;
  for (const auto& v : h) flat.insert(flat.end(), v.data(), v.data() + v.size());
  return tensor(flat, {int64_t(h.size()), n}, kFloat64);
}

Eigen::VectorXd to_vec(const Tensor& t) {
  const std::vector<double> v = t.tolist();
  return Eigen::Map<const Eigen::VectorXd>(v.data(), Eigen::Index(v.size()));
}

}  // namespace

// (check_options refuses every group once the first exists; a loaded group replaces options.)
void LBFGS::check_loaded_options(const Options& o) const {
  check<ValueError>(o.at("lr") >= 0, "LBFGS: invalid learning rate: ", o.at("lr"));
}

void LBFGS::save_extra_state(std::map<std::string, Tensor>& out) const {
  const int64_t n = int64_t(h_->d.size());
  out["extra.func_evals"] = scalar(double(func_evals_), kInt64);
  out["extra.n_iter"] = scalar(double(n_iter_), kInt64);
  out["extra.t"] = scalar(t_, kFloat64);
  out["extra.H_diag"] = scalar(h_diag_, kFloat64);
  out["extra.prev_loss"] = scalar(prev_loss_, kFloat64);
  out["extra.d"] = vec_tensor(h_->d);
  out["extra.prev_flat_grad"] = vec_tensor(h_->prev_flat_grad);
  out["extra.old_dirs"] = history_tensor(h_->old_dirs, n);
  out["extra.old_stps"] = history_tensor(h_->old_stps, n);
  out["extra.ro"] =
      tensor(std::vector<double>(ro_.begin(), ro_.end()), {int64_t(ro_.size())}, kFloat64);
}

void LBFGS::load_extra_state(const std::map<std::string, Tensor>& extra) {
  const char* who = "LBFGS.load_state_dict";
  static const char* kKeys[] = {"extra.func_evals",
                                "extra.n_iter",
                                "extra.t",
                                "extra.H_diag",
                                "extra.prev_loss",
                                "extra.d",
                                "extra.prev_flat_grad",
                                "extra.old_dirs",
                                "extra.old_stps",
                                "extra.ro"};
  for (const char* k : kKeys) check<ValueError>(extra.count(k), who, ": missing '", k, "'");
  check<ValueError>(extra.size() == std::size(kKeys), who, ": unexpected extra state keys");
  int64_t n = 0;
  for (const auto& p : param_groups()[0].params) n += p.numel();
  const Tensor& d = extra.at("extra.d");
  const Tensor& g = extra.at("extra.prev_flat_grad");
  const Tensor& dirs = extra.at("extra.old_dirs");
  const Tensor& stps = extra.at("extra.old_stps");
  const Tensor& ro = extra.at("extra.ro");
  auto check_vec = [&](const Tensor& t, const char* k) {
    check<ShapeError>(t.dim() == 1 && (t.size(0) == n || t.size(0) == 0), who, ": '", k,
                      "' has shape ", shape_str(t.sizes()), ", expected [", n, "] or [0]");
  };
  check_vec(d, "extra.d");
  check_vec(g, "extra.prev_flat_grad");
  const int64_t hist = ro.dim() == 1 ? ro.size(0) : -1;
  check<ShapeError>(
      hist >= 0 && dirs.dim() == 2 && stps.dim() == 2 && dirs.size(0) == hist &&
          stps.size(0) == hist && (hist == 0 || (dirs.size(1) == n && stps.size(1) == n)),
      who, ": the history shapes ", shape_str(dirs.sizes()), ", ", shape_str(stps.sizes()), ", ",
      shape_str(ro.sizes()), " do not fit ", n, " parameters");
  for (const char* k :
       {"extra.func_evals", "extra.n_iter", "extra.t", "extra.H_diag", "extra.prev_loss"})
    check<ValueError>(extra.at(k).numel() == 1, who, ": '", k, "' must be a single number");
  func_evals_ = int64_t(extra.at("extra.func_evals").to(kFloat64).item<double>());
  n_iter_ = int64_t(extra.at("extra.n_iter").to(kFloat64).item<double>());
  t_ = extra.at("extra.t").to(kFloat64).item<double>();
  h_diag_ = extra.at("extra.H_diag").to(kFloat64).item<double>();
  prev_loss_ = extra.at("extra.prev_loss").to(kFloat64).item<double>();
  h_->d = to_vec(d);
  h_->prev_flat_grad = to_vec(g);
  h_->old_dirs.clear();
  h_->old_stps.clear();
  ro_.clear();
  for (int64_t i = 0; i < hist; ++i) {
    h_->old_dirs.push_back(to_vec(dirs.select(0, i)));
    h_->old_stps.push_back(to_vec(stps.select(0, i)));
  }
  for (double v : ro.tolist()) ro_.push_back(v);
}

}  // namespace paragrad::optim
