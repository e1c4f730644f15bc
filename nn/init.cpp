#include <paragrad/nn/init.hpp>

#include <cmath>
#include <limits>

#include <Eigen/QR>

#include <paragrad/engine/autograd/grad_mode.hpp>
#include <paragrad/engine/detail/checked_math.hpp>
#include <paragrad/engine/interop.hpp>

namespace paragrad::nn::init {

namespace {
void check_floating(const Tensor& t, const char* op) {
  check_defined(op, t);
  check<DtypeError>(t.is_floating_point(), op, ": expected a floating tensor, got ",
                    dtype_name(t.dtype()));
}

// (fan_in, fan_out) with errors naming op.
std::pair<int64_t, int64_t> fans(const Tensor& t, const char* op) {
  check_defined(op, t);
  check<ValueError>(t.dim() >= 2, op,
                    ": fan in and fan out can not be computed for tensor with fewer than 2 "
                    "dimensions, got shape ",
                    shape_str(t.sizes()));
  int64_t receptive = 1;
  for (int64_t d = 2; d < t.dim(); ++d) receptive *= t.size(d);
  return {t.size(1) * receptive, t.size(0) * receptive};
}

int64_t fan(const Tensor& t, const std::string& mode, const char* op) {
  auto [fan_in, fan_out] = fans(t, op);
  check<ValueError>(mode == "fan_in" || mode == "fan_out", op,
                    ": mode must be 'fan_in' or 'fan_out', got '", mode, "'");
  return mode == "fan_in" ? fan_in : fan_out;
}
}  // namespace

std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& t) {
  return fans(t, "calculate_fan_in_and_fan_out");
}

double calculate_gain(const std::string& nonlinearity, double param) {
  if (nonlinearity == "linear" || nonlinearity == "sigmoid" || nonlinearity.rfind("conv", 0) == 0)
    return 1;
  if (nonlinearity == "tanh") return 5.0 / 3;
  if (nonlinearity == "relu") return std::sqrt(2.0);
  if (nonlinearity == "leaky_relu") return std::sqrt(2.0 / (1 + param * param));
  if (nonlinearity == "selu") return 3.0 / 4;
  throw ValueError(cat("calculate_gain: unsupported nonlinearity '", nonlinearity, "'"));
}

void uniform_(Tensor& t, double a, double b) {
  check_floating(t, "uniform_");
  // PyTorch's checks (check_uniform_bounds): finite bounds the dtype holds, from <= to, and a
  // range to - from the dtype holds.
  const double max = t.dtype() == kFloat32 ? double(std::numeric_limits<float>::max())
                                           : std::numeric_limits<double>::max();
  check<ValueError>(std::abs(a) <= max, "uniform_: from=", a, " is out of bounds for ",
                    dtype_name(t.dtype()));
  check<ValueError>(std::abs(b) <= max, "uniform_: to=", b, " is out of bounds for ",
                    dtype_name(t.dtype()));
  check<ValueError>(a <= b, "uniform_: expects a [from, to) range, but found from=", a,
                    " > to=", b);
  check<ValueError>(b - a <= max, "uniform_: the range to - from = ", b - a,
                    " is out of bounds for ", dtype_name(t.dtype()));
  NoGradGuard guard;
  t.copy_(rand(t.shape(), kFloat64) * (b - a) + a);
}

void normal_(Tensor& t, double mean, double std) {
  check_floating(t, "normal_");
  check<ValueError>(std >= 0, "normal_: std must be non-negative, got ", std);
  NoGradGuard guard;
  t.copy_(randn(t.shape(), kFloat64) * std + mean);
}

namespace {
void fill_with(Tensor& t, double value, const char* op) {
  check_defined(op, t);
  // The value must be representable, as fill_ requires (NaN cannot fill an int64 tensor).
  dispatch(t.dtype(), [&](auto tag) { detail::checked_convert<decltype(tag)>(value, op); });
  NoGradGuard guard;
  t.fill_(value);
}
}  // namespace

void constant_(Tensor& t, double value) { fill_with(t, value, "constant_"); }
void zeros_(Tensor& t) { fill_with(t, 0, "zeros_"); }
void ones_(Tensor& t) { fill_with(t, 1, "ones_"); }

void eye_(Tensor& t) {
  check_defined("eye_", t);
  check<ValueError>(t.dim() == 2, "eye_: only 2-d tensors are supported, got shape ",
                    shape_str(t.sizes()));
  NoGradGuard guard;
  t.copy_(eye(t.size(0), t.size(1), t.dtype()));
}

void xavier_uniform_(Tensor& t, double gain) {
  check_floating(t, "xavier_uniform_");
  auto [fan_in, fan_out] = fans(t, "xavier_uniform_");
  const double a = std::sqrt(3.0) * gain * std::sqrt(2.0 / double(fan_in + fan_out));
  uniform_(t, -a, a);
}

void xavier_normal_(Tensor& t, double gain) {
  check_floating(t, "xavier_normal_");
  auto [fan_in, fan_out] = fans(t, "xavier_normal_");
  normal_(t, 0, gain * std::sqrt(2.0 / double(fan_in + fan_out)));
}

void kaiming_uniform_(Tensor& t, double a, const std::string& mode,
                      const std::string& nonlinearity) {
  check_floating(t, "kaiming_uniform_");
  const int64_t f = fan(t, mode, "kaiming_uniform_");
  check<ValueError>(f > 0, "kaiming_uniform_: cannot initialize a tensor with zero fan, shape ",
                    shape_str(t.sizes()));
  const double bound = std::sqrt(3.0) * calculate_gain(nonlinearity, a) / std::sqrt(double(f));
  uniform_(t, -bound, bound);
}

void kaiming_normal_(Tensor& t, double a, const std::string& mode,
                     const std::string& nonlinearity) {
  check_floating(t, "kaiming_normal_");
  const int64_t f = fan(t, mode, "kaiming_normal_");
  check<ValueError>(f > 0, "kaiming_normal_: cannot initialize a tensor with zero fan, shape ",
                    shape_str(t.sizes()));
  normal_(t, 0, calculate_gain(nonlinearity, a) / std::sqrt(double(f)));
}

void orthogonal_(Tensor& t, double gain) {
  check_floating(t, "orthogonal_");
  check<ValueError>(t.dim() >= 2,
                    "orthogonal_: only tensors with 2 or more dimensions are "
                    "supported, got shape ",
                    shape_str(t.sizes()));
  if (t.numel() == 0) return;
  const int64_t rows = t.size(0), cols = t.numel() / rows;
  Eigen::MatrixXd flat = to_eigen<double>(randn({rows, cols}, kFloat64));
  if (rows < cols) flat.transposeInPlace();
  // Reduced QR; Q's columns signed so that R's diagonal is positive (the unique QR).
  Eigen::HouseholderQR<Eigen::MatrixXd> qr(flat);
  const Eigen::Index k = std::min(flat.rows(), flat.cols());
  Eigen::MatrixXd q = qr.householderQ() * Eigen::MatrixXd::Identity(flat.rows(), k);
  const Eigen::MatrixXd r = qr.matrixQR().topRows(k).triangularView<Eigen::Upper>();
  for (Eigen::Index j = 0; j < k; ++j) {
    const double d = r(j, j);
    q.col(j) *= d > 0 ? 1.0 : (d < 0 ? -1.0 : 0.0);
  }
  if (rows < cols) q.transposeInPlace();
  NoGradGuard guard;
  t.copy_(from_eigen(q).reshape(t.shape()) * gain);
}

}  // namespace paragrad::nn::init
