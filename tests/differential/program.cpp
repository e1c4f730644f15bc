// Parser of the differential program format (see program.hpp).
#include "differential/program.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>

#include <paragrad/engine/error.hpp>

namespace paragrad::differential {
namespace {

std::vector<std::string_view> split_ws(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t' && line[j] != '\r') ++j;
    if (j > i) out.push_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  [[noreturn]] void fail(const std::string& why) const {
    throw ValueError(cat("differential program: line ", line_no_, ": ", why));
  }

  int64_t to_int(std::string_view s, int64_t lo, int64_t hi) const {
    const std::string str(s);
    char* end = nullptr;
    errno = 0;
    const long long v = std::strtoll(str.c_str(), &end, 10);
    if (str.empty() || end != str.c_str() + str.size() || errno == ERANGE || v < lo || v > hi)
      fail(cat("expected an integer in [", lo, ", ", hi, "], got '", str, "'"));
    return static_cast<int64_t>(v);
  }

  double to_double(std::string_view s) const {
    const std::string str(s);
    char* end = nullptr;
    const double v = std::strtod(str.c_str(), &end);
    if (str.empty() || end != str.c_str() + str.size())
      fail(cat("expected a number, got '", str, "'"));
    return v;
  }

  std::vector<int64_t> to_shape(std::string_view s) const {
    if (s.size() < 2 || s.front() != '[' || s.back() != ']')
      fail(cat("expected a shape [..], got '", std::string(s), "'"));
    std::vector<int64_t> shape;
    std::string_view body = s.substr(1, s.size() - 2);
    int64_t numel = 1;
    while (!body.empty()) {
      const size_t comma = body.find(',');
      shape.push_back(to_int(body.substr(0, comma), 0, kMaxNumel));
      numel *= shape.back();
      if (static_cast<int64_t>(shape.size()) > kMaxDims || numel > kMaxNumel)
        fail(cat("shape '", std::string(s), "' is too large"));
      if (comma == std::string_view::npos) break;
      body = body.substr(comma + 1);
      if (body.empty()) fail("shape ends with ','");
    }
    return shape;
  }

  // The numbers after ':' (tokens from index `from`).
  std::vector<double> numbers(const std::vector<std::string_view>& tok, size_t from) const {
    if (tok.size() <= from - 1 || tok[from - 1] != ":") fail("expected ':' before the values");
    if (tok.size() - from > static_cast<size_t>(kMaxNumel)) fail("too many values");
    std::vector<double> v;
    for (size_t i = from; i < tok.size(); ++i) v.push_back(to_double(tok[i]));
    return v;
  }

  static int64_t numel(const std::vector<int64_t>& shape) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
  }

  bool next_line(std::string_view& line) {
    if (pos_ >= text_.size()) return false;
    const size_t nl = text_.find('\n', pos_);
    const size_t end = nl == std::string_view::npos ? text_.size() : nl;
    line = text_.substr(pos_, end - pos_);
    line_start_ = pos_;
    pos_ = end == text_.size() ? end : end + 1;
    ++line_no_;
    return true;
  }

  Program program(const std::vector<std::string_view>& head, size_t head_start) {
    Program p;
    if (head.size() != 4 && !(head.size() == 6 && head[4] == "check" && head[5] == "fd"))
      fail("expected 'program <id> seed <seed> [check fd]'");
    if (head[2] != "seed") fail("expected 'seed' after the program id");
    p.id = to_int(head[1], 0, INT64_MAX);
    p.seed = static_cast<uint64_t>(to_int(head[3], 0, INT64_MAX));
    p.check_fd = head.size() == 6;
    std::vector<bool> is_grad_input;
    bool have_value = false;
    std::string_view line;
    while (next_line(line)) {
      const auto tok = split_ws(line);
      if (tok.empty()) fail("blank line inside a program");
      const std::string_view kw = tok[0];
      const bool body_done = have_value || !p.raises_phase.empty();
      if (kw == "end") {
        if (tok.size() != 1) fail("trailing text after 'end'");
        if (!have_value && p.raises_phase != "forward") fail("program without a 'value' line");
        if (p.steps.empty()) fail("program without inputs or ops");
        p.text = std::string(text_.substr(head_start, pos_ - head_start));
        return p;
      }
      if (p.steps.size() >= kMaxSteps) fail("too many steps");
      if (kw == "input" && !body_done) {
        if (tok.size() < 5) fail("expected 'input <dtype> [shape] <grad|nograd> : values'");
        Step s;
        s.is_input = true;
        s.input.dtype = parse_dtype_or_fail(tok[1]);
        s.input.shape = to_shape(tok[2]);
        if (tok[3] != "grad" && tok[3] != "nograd" && tok[3] != "grad_unasked")
          fail("expected 'grad', 'nograd' or 'grad_unasked'");
        s.input.requires_grad = tok[3] != "nograd";
        s.input.asked = tok[3] != "grad_unasked";
        if (s.input.requires_grad && !is_floating(s.input.dtype))
          fail("only a floating input can require grad");
        s.input.values = numbers(tok, 5);
        if (static_cast<int64_t>(s.input.values.size()) != numel(s.input.shape))
          fail(cat("input has ", s.input.values.size(), " values for ", numel(s.input.shape),
                   " elements"));
        for (double v : s.input.values)
          if ((s.input.dtype == kBool && v != 0 && v != 1) ||
              (s.input.dtype == kInt64 &&
               !(std::abs(v) <= 9007199254740992.0 && v == std::floor(v))))
            fail(cat("value ", v, " is not a ", s.input.dtype == kBool ? "b8" : "i64", " value"));
        is_grad_input.push_back(s.input.requires_grad && s.input.asked);
        p.steps.push_back(std::move(s));
      } else if (kw == "op" && !body_done) {
        if (tok.size() < 2) fail("expected 'op <name> <operands...> [key=value...]'");
        Step s;
        s.op.name = std::string(tok[1]);
        for (size_t i = 2; i < tok.size(); ++i) {
          const size_t eq = tok[i].find('=');
          if (eq == std::string_view::npos) {
            if (!s.op.attrs.empty()) fail("operand after an attribute");
            s.op.operands.push_back(to_int(tok[i], 0, static_cast<int64_t>(p.steps.size()) - 1));
          } else {
            if (eq == 0) fail("attribute without a name");
            if (!s.op.attrs
                     .emplace(std::string(tok[i].substr(0, eq)), std::string(tok[i].substr(eq + 1)))
                     .second)
              fail(cat("attribute '", std::string(tok[i].substr(0, eq)), "' given twice"));
          }
        }
        is_grad_input.push_back(false);
        p.steps.push_back(std::move(s));
      } else if (kw == "raises" && p.raises_phase.empty()) {
        if (tok.size() != 3 || (tok[1] != "forward" && tok[1] != "backward"))
          fail("expected 'raises <forward|backward> <kind>'");
        if (tok[1] == "forward" ? have_value || p.steps.empty()
                                : !p.has_cotangent || !p.expected.empty())
          fail(cat("'raises ", std::string(tok[1]), "' out of place"));
        if (tok[2].size() > 32 ||
            tok[2].find_first_not_of("abcdefghijklmnopqrstuvwxyz_") != std::string_view::npos)
          fail(cat("bad error kind '", std::string(tok[2]), "'"));
        p.raises_phase = std::string(tok[1]);
        p.raises_kind = std::string(tok[2]);
      } else if (kw == "value" && !have_value && p.raises_phase.empty()) {
        if (p.steps.empty()) fail("'value' before any input or op");
        if (tok.size() < 4) fail("expected 'value <dtype> [shape] : values'");
        p.value_dtype = parse_dtype_or_fail(tok[1]);
        p.value_shape = to_shape(tok[2]);
        p.value = numbers(tok, 4);
        if (static_cast<int64_t>(p.value.size()) != numel(p.value_shape))
          fail("value count does not match its shape");
        have_value = true;
      } else if (kw == "cotangent" && have_value && !p.has_cotangent) {
        p.cotangent = numbers(tok, 2);
        p.has_cotangent = true;
        if (p.cotangent.size() != p.value.size()) fail("cotangent count does not match the value");
      } else if ((kw == "grad" || kw == "tangent" || kw == "hvp") && have_value &&
                 p.raises_phase.empty()) {
        if (tok.size() < 3) fail(cat("expected '", std::string(kw), " <input id> : values'"));
        const int64_t id = to_int(tok[1], 0, static_cast<int64_t>(p.steps.size()) - 1);
        if (!p.steps[static_cast<size_t>(id)].is_input || !is_grad_input[static_cast<size_t>(id)])
          fail(cat("value ", id, " is not an input that requires grad"));
        auto v = numbers(tok, 3);
        if (static_cast<int64_t>(v.size()) != numel(p.steps[static_cast<size_t>(id)].input.shape))
          fail("gradient count does not match the input");
        if (kw == "grad") {
          if (!p.has_cotangent) fail("'grad' before 'cotangent'");
          p.expected.push_back({id, std::move(v), {}, {}});
        } else {
          if (p.expected.empty() || p.expected.back().input_id != id)
            fail(cat("'", std::string(kw), "' without its 'grad'"));
          auto& e = p.expected.back();
          const bool tangent = kw == "tangent";
          if ((tangent ? e.has_tangent : e.has_hvp) || (!tangent && !e.has_tangent))
            fail(cat("'", std::string(kw), "' out of order"));
          (tangent ? e.has_tangent : e.has_hvp) = true;
          (tangent ? e.tangent : e.hvp) = std::move(v);
        }
      } else {
        fail(cat("unexpected '", std::string(kw), "'"));
      }
    }
    fail("program not closed by 'end'");
  }

  std::vector<Program> all() {
    std::vector<Program> out;
    std::string_view line;
    while (next_line(line)) {
      const auto tok = split_ws(line);
      if (tok.empty() || tok[0].front() == '#') continue;
      if (tok[0] != "program") fail(cat("expected 'program', got '", std::string(tok[0]), "'"));
      out.push_back(program(tok, line_start_));
      for (const auto& e : out.back().expected)
        if (!e.has_hvp)
          fail(cat("program ", out.back().id, ": grad of input ", e.input_id, " has no hvp"));
    }
    return out;
  }

  Dtype parse_dtype_or_fail(std::string_view t) const {
    if (t == "f64") return kFloat64;
    if (t == "f32") return kFloat32;
    if (t == "i64") return kInt64;
    if (t == "b8") return kBool;
    fail(cat("unknown dtype '", std::string(t), "'"));
  }

 private:
  std::string_view text_;
  size_t pos_ = 0, line_start_ = 0;
  int64_t line_no_ = 0;
};

}  // namespace

std::vector<Program> parse_programs(std::string_view text) { return Parser(text).all(); }

Dtype parse_dtype(std::string_view token) { return Parser(token).parse_dtype_or_fail(token); }

}  // namespace paragrad::differential
