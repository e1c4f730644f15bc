// The constraint functions: check the arguments, build the Manifold for the tensor's shape and
// dtype, write its initial value and register it (geotorch's _register_manifold), all or
// nothing. Also manifold(), in_manifold() and update_base().
#include <utility>
#include <vector>

#include <paragrad/parametrize/constraints/constraints.hpp>
#include <paragrad/parametrize/constraints/detail.hpp>
#include <paragrad/parametrize/register.hpp>

namespace paragrad::constraints {

namespace {

// The tensor m.name as it is now (computed if parametrized), checked to exist and be floating.
Tensor current(nn::Module& m, const std::string& name, const char* constraint) {
  check<ValueError>(m.has(name), constraint, ": module '", m.type_name(),
                    "' has no parameter, buffer or parametrized tensor named '", name, "'");
  NoGradGuard no_grad;
  Tensor t = m.get(name);
  check<ValueError>(t.defined(), constraint, ": '", name, "' of module '", m.type_name(),
                    "' is an empty slot");
  check<DtypeError>(t.is_floating_point(), constraint, ": '", name,
                    "' has to be a floating tensor, got ", dtype_name(t.dtype()));
  return t;
}

void check_positive_f(const std::string& f, const char* constraint) {
  check<ValueError>(maps::is_positive_map(f), constraint, ": unknown f \"", f,
                    "\"; expected a positive map: \"softplus\", \"exp\" or \"sigmoid\"");
}

// Snapshot of a parametrized tensor's originals and its parametrizations' buffers, to undo a
// failed registration on top of an existing chain.
struct ChainSnapshot {
  std::vector<std::pair<Tensor, Tensor>> saved;  // (live tensor, copy)
  explicit ChainSnapshot(parametrize::ParametrizationList& list) {
    NoGradGuard g;
    for (const Tensor& t : list.originals()) saved.emplace_back(t, t.clone());
    for (size_t i = 0; i < list.size(); ++i)
      for (const Tensor& t : list[i]->buffers())
        if (t.defined()) saved.emplace_back(t, t.clone());
  }
  void restore() {
    NoGradGuard g;
    for (auto& [live, copy] : saved)
      if (live.shape() == copy.shape()) live.copy_(copy);
  }
};

// Writes `initial` into m.name and registers M on it; on any error restores the value (and the
// existing chain's state) and rethrows.
nn::Module& register_manifold(nn::Module& m, const std::string& name, std::shared_ptr<Manifold> M,
                              const Tensor& initial) {
  if (parametrize::is_parametrized(m, name)) {
    ChainSnapshot snapshot(parametrize::parametrizations(m, name));
    try {
      m.set(name, initial);
      parametrize::register_parametrization(m, name, std::move(M));
    } catch (...) {
      snapshot.restore();
      throw;
    }
    return m;
  }
  Tensor slot = m.get(name);
  Tensor old;
  {
    NoGradGuard g;
    old = slot.clone();
    slot.copy_(initial);
  }
  try {
    parametrize::register_parametrization(m, name, std::move(M));
  } catch (...) {
    NoGradGuard g;
    slot.copy_(old);
    throw;
  }
  return m;
}

nn::Module& register_sampled(nn::Module& m, const std::string& name,
                             const std::shared_ptr<Manifold>& M) {
  Tensor initial;
  {
    NoGradGuard g;
    initial = M->sample();
  }
  return register_manifold(m, name, M, initial);
}

}  // namespace

nn::Module& symmetric(nn::Module& m, const std::string& name, bool lower) {
  Tensor W = current(m, name, "symmetric");
  detail::square_size(W.shape(), "symmetric");
  Tensor initial;
  {
    NoGradGuard g;
    initial = 0.5 * (W + W.mT());
  }
  return register_manifold(m, name, std::make_shared<Symmetric>(W.shape(), W.dtype(), lower),
                           initial);
}

nn::Module& skew(nn::Module& m, const std::string& name, bool lower) {
  Tensor W = current(m, name, "skew");
  detail::square_size(W.shape(), "skew");
  Tensor initial;
  {
    NoGradGuard g;
    initial = 0.5 * (W - W.mT());
  }
  return register_manifold(m, name, std::make_shared<Skew>(W.shape(), W.dtype(), lower), initial);
}

nn::Module& sphere(nn::Module& m, const std::string& name, double radius, bool embedded) {
  Tensor W = current(m, name, "sphere");
  check<ValueError>(W.dim() >= 1, "sphere: expected a vector or a batch of vectors, got a 0-d ",
                    "tensor");
  check<ValueError>(radius > 0, "sphere: radius has to be > 0, got ", radius);
  std::shared_ptr<Manifold> M;
  if (embedded)
    M = std::make_shared<SphereEmbedded>(W.shape(), W.dtype(), radius);
  else
    M = std::make_shared<Sphere>(W.shape(), W.dtype(), radius);
  return register_sampled(m, name, M);
}

nn::Module& orthogonal(nn::Module& m, const std::string& name, Triv triv) {
  Tensor W = current(m, name, "orthogonal");
  return register_sampled(m, name, std::make_shared<Stiefel>(W.shape(), W.dtype(), triv));
}

nn::Module& special_orthogonal(nn::Module& m, const std::string& name, Triv triv) {
  Tensor W = current(m, name, "special_orthogonal");
  return register_sampled(m, name, std::make_shared<SpecialOrthogonal>(W.shape(), W.dtype(), triv));
}

nn::Module& grassmannian(nn::Module& m, const std::string& name, Triv triv) {
  Tensor W = current(m, name, "grassmannian");
  return register_sampled(m, name, std::make_shared<Grassmannian>(W.shape(), W.dtype(), triv));
}

nn::Module& almost_orthogonal(nn::Module& m, const std::string& name, double lam,
                              const std::string& f, Triv triv) {
  Tensor W = current(m, name, "almost_orthogonal");
  return register_sampled(m, name,
                          std::make_shared<AlmostOrthogonal>(W.shape(), W.dtype(), lam, f, triv));
}

nn::Module& low_rank(nn::Module& m, const std::string& name, int64_t rank, Triv triv) {
  Tensor W = current(m, name, "low_rank");
  return register_sampled(m, name, std::make_shared<LowRank>(W.shape(), W.dtype(), rank, triv));
}

nn::Module& fixed_rank(nn::Module& m, const std::string& name, int64_t rank, const std::string& f,
                       Triv triv) {
  Tensor W = current(m, name, "fixed_rank");
  return register_sampled(m, name,
                          std::make_shared<FixedRank>(W.shape(), W.dtype(), rank, f, triv));
}

nn::Module& invertible(nn::Module& m, const std::string& name, const std::string& f, Triv triv) {
  Tensor W = current(m, name, "invertible");
  return register_sampled(m, name, std::make_shared<Invertible>(W.shape(), W.dtype(), f, triv));
}

nn::Module& sln(nn::Module& m, const std::string& name, const std::string& f, Triv triv) {
  Tensor W = current(m, name, "sln");
  return register_sampled(m, name, std::make_shared<SpecialLinear>(W.shape(), W.dtype(), f, triv));
}

nn::Module& positive_definite(nn::Module& m, const std::string& name, const std::string& f,
                              Triv triv) {
  Tensor W = current(m, name, "positive_definite");
  const int64_t n = detail::square_size(W.shape(), "positive_definite");
  check_positive_f(f, "positive_definite");
  return register_sampled(
      m, name, std::make_shared<SymF>(W.shape(), W.dtype(), n, f, triv, "positive_definite"));
}

nn::Module& positive_semidefinite(nn::Module& m, const std::string& name, Triv triv) {
  Tensor W = current(m, name, "positive_semidefinite");
  const int64_t n = detail::square_size(W.shape(), "positive_semidefinite");
  return register_sampled(
      m, name,
      std::make_shared<SymF>(W.shape(), W.dtype(), n, "abs", triv, "positive_semidefinite"));
}

nn::Module& positive_semidefinite_low_rank(nn::Module& m, const std::string& name, int64_t rank,
                                           Triv triv) {
  Tensor W = current(m, name, "positive_semidefinite_low_rank");
  return register_sampled(m, name,
                          std::make_shared<SymF>(W.shape(), W.dtype(), rank, "abs", triv,
                                                 "positive_semidefinite_low_rank"));
}

nn::Module& positive_semidefinite_fixed_rank(nn::Module& m, const std::string& name, int64_t rank,
                                             const std::string& f, Triv triv) {
  Tensor W = current(m, name, "positive_semidefinite_fixed_rank");
  check_positive_f(f, "positive_semidefinite_fixed_rank");
  return register_sampled(m, name,
                          std::make_shared<SymF>(W.shape(), W.dtype(), rank, f, triv,
                                                 "positive_semidefinite_fixed_rank"));
}

nn::Module& alpha_stable(nn::Module& m, const std::string& name, double alpha) {
  Tensor W = current(m, name, "alpha_stable");
  return register_sampled(m, name, std::make_shared<Hurwitz>(W.shape(), W.dtype(), alpha));
}

nn::Module& positive(nn::Module& m, const std::string& name) {
  Tensor W = current(m, name, "positive");
  return register_sampled(m, name, std::make_shared<Positive>(W.shape(), W.dtype()));
}

nn::Module& simplex(nn::Module& m, const std::string& name, int64_t dim) {
  Tensor W = current(m, name, "simplex");
  return register_sampled(m, name, std::make_shared<Simplex>(W.shape(), W.dtype(), dim));
}

nn::Module& oblique(nn::Module& m, const std::string& name) {
  Tensor W = current(m, name, "oblique");
  detail::check_matrix_shape(W.shape(), "oblique");
  return register_sampled(m, name, std::make_shared<Oblique>(W.shape(), W.dtype()));
}

nn::Module& correlation(nn::Module& m, const std::string& name) {
  Tensor W = current(m, name, "correlation");
  return register_sampled(m, name, std::make_shared<Correlation>(W.shape(), W.dtype()));
}

Manifold& manifold(nn::Module& m, const std::string& name) {
  check<ValueError>(parametrize::is_parametrized(m, name), "manifold: '", name, "' of module '",
                    m.type_name(), "' carries no constraint (it is not parametrized)");
  auto& list = parametrize::parametrizations(m, name);
  for (size_t i = list.size(); i-- > 0;)
    if (auto* M = dynamic_cast<Manifold*>(list[i].get())) return *M;
  throw ValueError(cat("manifold: '", name, "' of module '", m.type_name(),
                       "' is parametrized, but not by a constraint (a Manifold)"));
}

bool in_manifold(nn::Module& m, const std::string& name, double eps) {
  Manifold& M = manifold(m, name);
  NoGradGuard g;
  return M.in_manifold(m.get(name), eps);
}

void update_base(nn::Module& m, const std::string& name) {
  manifold(m, name);  // a constraint must be there
  Tensor X;
  {
    NoGradGuard g;
    X = m.get(name).detach().clone();
  }
  m.set(name, X);
}

void update_base(nn::Module& m, const std::string& name, optim::Optimizer& optimizer) {
  update_base(m, name);
  for (const Tensor& t : parametrize::parametrizations(m, name).originals())
    optimizer.reset_state(t);
}

}  // namespace paragrad::constraints
