#pragma once
// Replaying PyTorch 1.13's answers stored by the generators in scripts/oracle/
// (semantics_oracle.py, linalg_shapes_oracle.py): a case names an op and its inputs as specs
// "dtype:shape:fill"; this header builds the same tensors as the generators (make_input mirrors
// their fill_value and make) and checks paragrad's result (or its error) against the stored one.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <limits>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <paragrad/paragrad.hpp>

namespace paragrad::oracle {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
inline constexpr double kInf = std::numeric_limits<double>::infinity();

struct Case {
  std::string op;
  std::vector<std::string> inputs;  // specs "dtype:shape:fill"
  bool raises;                      // PyTorch raises: paragrad must raise a paragrad::Error
  std::string dtype;                // "f32", "f64", "i64", "b8" (when it does not raise)
  std::vector<int64_t> shape;
  std::vector<double> values;  // flattened, row-major
  // d sum(result) / d each float64 input (may be empty); for an op named vjp_*, the last input is
  // the upstream gradient instead and grads are the vector-Jacobian products with it.
  std::vector<std::vector<double>> grads;
};

// ---- the generators' rows --------------------------------------------------------------------
// A generated table stores each case as one string (scripts/oracle/semantics_oracle.py, row):
//   "op|spec spec|dtype|shape|values|[grad] [grad]"
// or, when PyTorch raises, "op|spec spec|raises"; numbers as Python prints them ("nan", "inf"
// and "-inf" included).

inline std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  size_t begin = 0;
  for (size_t end; (end = s.find(sep, begin)) != std::string::npos; begin = end + 1)
    parts.push_back(s.substr(begin, end - begin));
  parts.push_back(s.substr(begin));
  return parts;
}

inline std::vector<std::string> words(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream is(s);
  for (std::string w; is >> w;) out.push_back(w);
  return out;
}

inline double parse_number(const std::string& text) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0')
    throw std::runtime_error("oracle row: bad number '" + text + "'");
  return v;
}

inline std::vector<double> parse_numbers(const std::string& s) {
  std::vector<double> out;
  for (const std::string& w : words(s)) out.push_back(parse_number(w));
  return out;
}

inline Case parse_row(const std::string& row) {
  const std::vector<std::string> f = split(row, '|');
  if (f.size() == 3 && f[2] == "raises") return Case{f[0], words(f[1]), true, "", {}, {}, {}};
  if (f.size() != 6) throw std::runtime_error("oracle row: expected 3 or 6 fields: " + row);
  Case c{f[0], words(f[1]), false, f[2], {}, parse_numbers(f[4]), {}};
  for (const std::string& d : split(f[3], ','))
    if (!d.empty()) c.shape.push_back(std::stoll(d));
  for (size_t open = f[5].find('['); open != std::string::npos; open = f[5].find('[', open + 1)) {
    const size_t close = f[5].find(']', open);
    if (close == std::string::npos) throw std::runtime_error("oracle row: unclosed '[': " + row);
    c.grads.push_back(parse_numbers(f[5].substr(open + 1, close - open - 1)));
  }
  return c;
}

template <size_t N>
std::vector<Case> parse_rows(const char* const (&rows)[N]) {
  std::vector<Case> cases;
  cases.reserve(N);
  for (const char* r : rows) cases.push_back(parse_row(r));
  return cases;
}

inline Dtype dtype_of_code(const std::string& code) {
  if (code == "f32") return kFloat32;
  if (code == "f64") return kFloat64;
  if (code == "i64") return kInt64;
  if (code == "b8") return kBool;
  FAIL("unknown dtype code " << code);
  return kFloat32;
}

// The generator's fill patterns, element k (row-major) of a tensor of dtype `code`.
inline double fill_value(char fill, const std::string& code, int64_t k) {
  const bool floating = code == "f32" || code == "f64", boolean = code == "b8";
  switch (fill) {
    case 'a':
      if (boolean) return (k * 5 + 3) % 3 != 0;
      return double((k * 5 + 3) % 11 - 5) * (floating ? 0.375 : 1.0);
    case 'b':
      if (boolean) return (k * 3 + 7) % 2 == 0;
      return double((k * 3 + 7) % 7 - 2) * (floating ? 0.5 : 1.0);
    case 'p':
      if (boolean) return 1;
      return floating ? double((k * 5 + 3) % 11 + 1) * 0.25 : double((k * 5 + 3) % 5 + 1);
    case 'n': {
      const double specials[] = {kNaN, 1.5, -kInf, 0.0, kInf, -2.0, 2.0};
      return specials[k % 7];
    }
    case 't': {  // ties
      const double ties[] = {1, 3, 3, 0, 3, 1};
      return ties[k % 6];
    }
    case 'u': {  // ties with 't' at some positions
      const double ties[] = {1, 2, 3, 3, 0, 1};
      return ties[k % 6];
    }
    default:
      FAIL("unknown fill " << fill);
      return 0;
  }
}

// The tensor a spec "dtype:shape:fill" names (shape comma-separated, empty for 0-d).
inline Tensor make_input(const std::string& spec) {
  const size_t c1 = spec.find(':'), c2 = spec.find(':', c1 + 1);
  const std::string code = spec.substr(0, c1), dims = spec.substr(c1 + 1, c2 - c1 - 1);
  const char fill = spec[c2 + 1];
  const char base = fill == 's' ? 'a' : fill;
  Shape shape;
  for (const std::string& d : split(dims, ','))
    if (!d.empty()) shape.push_back(std::stoll(d));
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  std::vector<double> values(static_cast<size_t>(n));
  for (int64_t k = 0; k < n; ++k) values[size_t(k)] = fill_value(base, code, k);
  Tensor t = tensor(values, shape, dtype_of_code(code));
  const size_t r = shape.size();
  if (fill == 's' && r >= 2 && shape[r - 1] == shape[r - 2]) {  // M Mᵀ / n + I: positive-definite
    const int64_t m = shape[r - 1];
    t = matmul(t, t.mT()) / double(std::max<int64_t>(m, 1)) + eye(m, t.dtype());
  }
  return t;
}

// Equal as PyTorch printed them: NaN matches NaN, infinities match exactly, finite values to a
// relative tolerance (float32 results differ from PyTorch's in the last bits of libm calls).
inline bool same_value(double got, double want, double rtol) {
  if (std::isnan(want)) return std::isnan(got);
  if (std::isinf(want) || std::isinf(got)) return got == want;
  return std::abs(got - want) <= rtol * std::max(1.0, std::abs(want));
}

inline std::string describe(const Case& c) {
  std::ostringstream os;
  os << c.op << "(";
  for (size_t i = 0; i < c.inputs.size(); ++i) os << (i ? ", " : "") << c.inputs[i];
  os << ")";
  return os.str();
}

using Op = std::function<Tensor(const TensorList&)>;

// Runs every case of `cases` through ops[case.op]; each difference is a failed CHECK naming the
// case. Values are compared to rtol64 (float64 results) or rtol32, gradients to grad_rtol.
// Returns the number of cases checked.
inline size_t replay(const std::vector<Case>& cases, const std::map<std::string, Op>& ops,
                     double rtol64 = 1e-12, double rtol32 = 1e-6, double grad_rtol = 1e-12) {
  size_t checked = 0;
  for (const Case& c : cases) {
    INFO(describe(c));
    const auto it = ops.find(c.op);
    REQUIRE(it != ops.end());
    // An op named vjp_*: the last input is the upstream gradient for the backward, not an input.
    const bool vjp = c.op.rfind("vjp_", 0) == 0;
    TensorList in;
    Tensor upstream;
    for (size_t i = 0; i < c.inputs.size(); ++i) {
      if (vjp && i + 1 == c.inputs.size()) {
        upstream = make_input(c.inputs[i]);
        break;
      }
      in.push_back(make_input(c.inputs[i]));
      if (in.back().dtype() == kFloat64) in.back().requires_grad_();
    }
    ++checked;
    if (c.raises) {
      CHECK_THROWS_AS(it->second(in), Error);
      continue;
    }
    Tensor out;
    try {
      out = it->second(in);
    } catch (const std::exception& e) {
      FAIL_CHECK("raised " << e.what());
      continue;
    }
    CHECK(dtype_name(out.dtype()) == std::string(dtype_name(dtype_of_code(c.dtype))));
    CHECK(out.shape() == Shape(c.shape.begin(), c.shape.end()));
    if (out.shape() != Shape(c.shape.begin(), c.shape.end())) continue;
    const std::vector<double> got = out.tolist();
    const double rtol = out.dtype() == kFloat64 ? rtol64 : rtol32;
    // No values stored for a non-empty result: its values are not unique (signs of singular
    // vectors, ...), only the dtype and shape are checked.
    const bool shape_only = c.values.empty() && !got.empty();
    bool values_match = shape_only || got.size() == c.values.size();
    for (size_t i = 0; values_match && !shape_only && i < got.size(); ++i)
      values_match = same_value(got[i], c.values[i], rtol);
    CHECK(values_match);
    if (!values_match) {
      std::ostringstream os;
      for (double v : got) os << v << " ";
      FAIL_CHECK("values " << os.str());
    }
    if (c.grads.empty() || !out.requires_grad()) continue;
    TensorList wrt;
    for (const Tensor& t : in)
      if (t.requires_grad()) wrt.push_back(t);
    const TensorList gs =
        vjp ? autograd::grad({out}, wrt, {upstream.reshape(out.shape())}, false, false, true)
            : autograd::grad({out.sum()}, wrt, {}, false, false, true);
    REQUIRE(gs.size() == c.grads.size());
    for (size_t k = 0; k < gs.size(); ++k) {
      const std::vector<double> g =
          gs[k].defined() ? gs[k].tolist() : std::vector<double>(size_t(wrt[k].numel()), 0.0);
      bool grad_match = g.size() == c.grads[k].size();
      for (size_t i = 0; grad_match && i < g.size(); ++i)
        grad_match = same_value(g[i], c.grads[k][i], grad_rtol);
      CHECK(grad_match);
      if (!grad_match) {
        std::ostringstream os;
        for (double v : g) os << v << " ";
        FAIL_CHECK("gradient of input " << k << ": " << os.str());
      }
    }
  }
  return checked;
}

}  // namespace paragrad::oracle
