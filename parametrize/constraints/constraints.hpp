#pragma once
// paragrad::constraints: geotorch's constraints as parametrizations, plus positive, simplex,
// oblique and correlation. Each function registers a Manifold on `module.name` and, like
// geotorch, initializes the tensor to a random sample() of the manifold (seeded by manual_seed);
// symmetric and skew instead keep the current value's symmetric / skew part. Afterwards
// m.set(name, X) with X on the manifold makes m.get(name) equal X; X off the manifold raises
// ValueError naming the constraint. Leading dims are batch dims; wide matrices are handled by
// transposition. Bad arguments raise ValueError at registration and leave the module unchanged.
//
//   nn::Linear layer(64, 256);
//   constraints::orthogonal(layer);          // layer.weight has orthonormal columns
//   constraints::in_manifold(layer, "weight");  // true, before and after optimizer steps
//
// See docs/constraints.md for the table of constraints and their maps.
#include <cstdint>
#include <string>

#include <paragrad/engine/export.hpp>
#include <paragrad/nn/module.hpp>
#include <paragrad/nn/optim/optimizer.hpp>
#include <paragrad/parametrize/constraints/manifold.hpp>
#include <paragrad/parametrize/constraints/manifolds.hpp>
#include <paragrad/parametrize/constraints/maps.hpp>

PARAGRAD_API_BEGIN

namespace paragrad::constraints {

nn::Module& symmetric(nn::Module& m, const std::string& name = "weight", bool lower = true);
nn::Module& skew(nn::Module& m, const std::string& name = "weight", bool lower = true);
// Unit rows (last dim) times radius; embedded: by projection instead of the exponential map.
nn::Module& sphere(nn::Module& m, const std::string& name = "weight", double radius = 1.0,
                   bool embedded = false);
nn::Module& orthogonal(nn::Module& m, const std::string& name = "weight",
                       Triv triv = Triv::Expm);  // Stiefel
nn::Module& special_orthogonal(nn::Module& m, const std::string& name = "weight",
                               Triv triv = Triv::Expm);  // SO(n)
nn::Module& grassmannian(nn::Module& m, const std::string& name = "weight", Triv triv = Triv::Expm);
nn::Module& almost_orthogonal(nn::Module& m, const std::string& name, double lam,
                              const std::string& f = "sin", Triv triv = Triv::Expm);
nn::Module& low_rank(nn::Module& m, const std::string& name, int64_t rank, Triv triv = Triv::Expm);
nn::Module& fixed_rank(nn::Module& m, const std::string& name, int64_t rank,
                       const std::string& f = "softplus", Triv triv = Triv::Expm);
nn::Module& invertible(nn::Module& m, const std::string& name = "weight",
                       const std::string& f = "softplus", Triv triv = Triv::Expm);  // GL+(n)
nn::Module& sln(nn::Module& m, const std::string& name = "weight",
                const std::string& f = "softplus", Triv triv = Triv::Expm);  // det = 1
nn::Module& positive_definite(nn::Module& m, const std::string& name = "weight",
                              const std::string& f = "softplus", Triv triv = Triv::Expm);
nn::Module& positive_semidefinite(nn::Module& m, const std::string& name = "weight",
                                  Triv triv = Triv::Expm);
nn::Module& positive_semidefinite_low_rank(nn::Module& m, const std::string& name, int64_t rank,
                                           Triv triv = Triv::Expm);
nn::Module& positive_semidefinite_fixed_rank(nn::Module& m, const std::string& name, int64_t rank,
                                             const std::string& f = "softplus",
                                             Triv triv = Triv::Expm);
// Every eigenvalue has real part <= -alpha. Three originals (P, Q, S).
nn::Module& alpha_stable(nn::Module& m, const std::string& name = "weight", double alpha = 1e-3);

// beyond geotorch
nn::Module& positive(nn::Module& m, const std::string& name = "weight");  // entries > 0
nn::Module& simplex(nn::Module& m, const std::string& name = "weight",
                    int64_t dim = -1);                                       // > 0, sum 1
nn::Module& oblique(nn::Module& m, const std::string& name = "weight");      // unit-norm columns
nn::Module& correlation(nn::Module& m, const std::string& name = "weight");  // SPD, unit diag

// The Manifold on m.name (the last one in its chain); ValueError when there is none.
Manifold& manifold(nn::Module& m, const std::string& name);
// manifold(m, name).in_manifold(m.get(name), eps).
bool in_manifold(nn::Module& m, const std::string& name, double eps = 1e-5);
// Dynamic trivialization: the current point becomes the base and the original becomes 0 (for
// manifolds with a base; the others re-derive their original), m.get(name) unchanged. An
// optimizer's state for the originals (Adam's moments, ...) refers to the old coordinates:
// the overload with an optimizer resets it (Optimizer::reset_state).
void update_base(nn::Module& m, const std::string& name);
void update_base(nn::Module& m, const std::string& name, optim::Optimizer& optimizer);

}  // namespace paragrad::constraints

PARAGRAD_API_END
