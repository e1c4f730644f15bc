#include <cmath>
#include <limits>

#include <paragrad/linalg/linalg.hpp>
#include <paragrad/parametrize/constraints/maps.hpp>

namespace paragrad::constraints::maps {

namespace {
constexpr double kPositiveEpsilon = 1e-6;  // geotorch's softplus_epsilon

// The smallest value worth inverting a positive map at, and the margin kept from +-1 by the
// bounded inverses, for y's dtype.
double tiny(const Tensor& y) {
  return y.dtype() == kFloat32 ? 16.0 * double(std::numeric_limits<float>::min())
                               : 16.0 * std::numeric_limits<double>::min();
}
double unit_margin(const Tensor& y) {
  return y.dtype() == kFloat32 ? double(std::numeric_limits<float>::epsilon())
                               : std::numeric_limits<double>::epsilon();
}

// atanh(y) = (log1p(y) - log1p(-y)) / 2 on y clamped into (-1, 1).
Tensor atanh_clamped(const Tensor& y) {
  const double m = 1.0 - unit_margin(y);
  Tensor c = y.clamp(-m, m);
  return 0.5 * ((c).log1p() - (-c).log1p());
}

Tensor identity_like(const Tensor& A, int64_t n) {
  Shape s = A.shape();
  s[s.size() - 2] = n;
  s[s.size() - 1] = n;
  return eye(n, A.dtype()).expand(s);
}
}  // namespace

bool is_positive_map(const std::string& f) {
  return f == "softplus" || f == "exp" || f == "sigmoid";
}
bool is_bounded_map(const std::string& f) { return f == "sin" || f == "tanh" || f == "sigmoid"; }

Tensor inverse_softplus(const Tensor& y) { return y + (-(-y).expm1()).log(); }

Tensor positive(const std::string& f, const Tensor& x) {
  if (f == "softplus") return x.softplus() + kPositiveEpsilon;
  if (f == "exp") return x.exp();
  if (f == "sigmoid") return x.sigmoid() + kPositiveEpsilon;
  throw ValueError(cat("constraints: unknown positive map f = \"", f,
                       "\"; expected \"softplus\", \"exp\" or \"sigmoid\""));
}

double positive_supremum(const std::string& f) {
  return f == "sigmoid" ? 1.0 + kPositiveEpsilon : std::numeric_limits<double>::infinity();
}

Tensor positive_inverse(const std::string& f, const Tensor& y) {
  if (f == "softplus") return inverse_softplus((y - kPositiveEpsilon).clamp_min(tiny(y)));
  if (f == "exp") return y.clamp_min(tiny(y)).log();
  if (f == "sigmoid") {
    Tensor p = (y - kPositiveEpsilon).clamp(tiny(y), 1.0 - unit_margin(y));
    return p.log() - (-p).log1p();  // logit
  }
  throw ValueError(cat("constraints: unknown positive map f = \"", f,
                       "\"; expected \"softplus\", \"exp\" or \"sigmoid\""));
}

Tensor bounded(const std::string& f, const Tensor& x) {
  if (f == "sin") return x.sin();
  if (f == "tanh") return x.tanh();
  if (f == "sigmoid") return 2.0 * x.sigmoid() - 1.0;
  throw ValueError(cat("constraints: unknown bounded map f = \"", f,
                       "\"; expected \"sin\", \"tanh\" or \"sigmoid\""));
}

Tensor bounded_inverse(const std::string& f, const Tensor& y) {
  if (f == "sin") {
    Tensor c = y.clamp(-1.0, 1.0);
    return atan2(c, (1.0 - c * c).clamp_min(0.0).sqrt());  // asin
  }
  if (f == "tanh") return atanh_clamped(y);
  if (f == "sigmoid") return 2.0 * atanh_clamped(y);
  throw ValueError(cat("constraints: unknown bounded map f = \"", f,
                       "\"; expected \"sin\", \"tanh\" or \"sigmoid\""));
}

Tensor symmetric(const Tensor& X, bool lower) {
  return lower ? X.tril() + X.tril(-1).mT() : X.triu() + X.triu(1).mT();
}

Tensor skew(const Tensor& X, bool lower) {
  Tensor T = lower ? X.tril(-1) : X.triu(1);
  return T - T.mT();
}

Tensor so(const Tensor& A, Triv triv) {
  if (triv == Triv::Expm) return linalg::matrix_exp(A);
  const Tensor Id = identity_like(A, A.size(-1));
  return linalg::solve(Id - 0.5 * A, Id + 0.5 * A);
}

std::pair<Tensor, Tensor> stiefel_tall_blocks(const Tensor& L, Triv triv) {
  const int64_t n = L.size(-2), k = L.size(-1);
  check<ShapeError>(L.dim() >= 2 && n >= k, "constraints::maps::stiefel_tall: expected a tall ",
                    "matrix (rows >= columns), got shape ", shape_str(L.sizes()));
  const Tensor top = L.narrow(-2, 0, k);
  const Tensor Ik = identity_like(top, k);
  const Tensor M = cat({cat({top, -Ik}, -1), cat({matmul(L.mT(), L), -top.mT()}, -1)}, -2);
  const Tensor P = so(M, triv);  // both identities hold for any square M, skew or not
  return {P.narrow(-2, 0, k).narrow(-1, k, k), P.narrow(-2, k, k).narrow(-1, k, k)};
}

Tensor stiefel_tall(const Tensor& L, Triv triv) {
  auto [P12, EP22] = stiefel_tall_blocks(L, triv);
  const int64_t n = L.size(-2), k = L.size(-1);
  if (n > k) {
    Shape pad = EP22.shape();
    pad[pad.size() - 2] = n - k;
    EP22 = cat({EP22, zeros(pad, L.dtype())}, -2);
  }
  return EP22 - matmul(L, P12);
}

Tensor congruence(const Tensor& Q, const Tensor& d) { return matmul(Q * d.unsqueeze(-2), Q.mT()); }

Tensor sphere_exp(const Tensor& x, const Tensor& v, double r) {
  const Tensor w = v - (v * x).sum({-1}, true) * x;
  const Tensor s = (w * w).sum({-1}, true);  // |w|^2
  // cos|w| and sin|w|/|w| as functions of s = |w|^2: near 0 by their Taylor series (error below
  // s^4/8! < 3e-17 for s < 1e-3), elsewhere through sqrt of a value kept away from 0, so that
  // neither branch produces NaN gradients (a plain norm has an infinite derivative at 0).
  const Tensor small = s < 1e-3;
  const Tensor t = where(small, ones_like(s), s).sqrt();
  const Tensor cos_series = 1.0 - s / 2.0 + s * s / 24.0 - s * s * s / 720.0;
  const Tensor sinc_series = 1.0 - s / 6.0 + s * s / 120.0 - s * s * s / 5040.0;
  const Tensor c = where(small, cos_series, t.cos());
  const Tensor sc = where(small, sinc_series, t.sin() / t);
  return r * (c * x + sc * w);
}

Tensor normalize(const Tensor& x, int64_t dim, double r) {
  // As torch.nn.functional.normalize: the norm is clamped at 1e-12.
  return r * x / (x * x).sum({dim}, true).sqrt().clamp_min(1e-12);
}

Tensor correlation(const Tensor& P) {
  const Tensor s = P.diagonal(0, -2, -1).rsqrt();
  return P * s.unsqueeze(-1) * s.unsqueeze(-2);
}

Tensor hurwitz(const Tensor& P, const Tensor& Q, const Tensor& S, double alpha) {
  const Tensor A = matmul(P, S - 0.5 * Q);
  return alpha == 0 ? A : A - alpha * identity_like(A, A.size(-1));
}

}  // namespace paragrad::constraints::maps
