// The rounds, the timing and the JSON output of the benchmarks (see harness.hpp).
#include "harness.hpp"

#include <time.h>

#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <fstream>
#include <iostream>
#include <memory>
#include <regex>
#include <sstream>

namespace bench {

namespace {

std::map<std::string, std::map<std::string, Setup>>& registry() {
  static std::map<std::string, std::map<std::string, Setup>> r;
  return r;
}
std::vector<std::function<void(int)>>& thread_setters() {
  static std::vector<std::function<void(int)>> s{[](int n) { Eigen::setNbThreads(n); }};
  return s;
}

std::vector<std::pair<std::string, std::string>>& context() {
  static std::vector<std::pair<std::string, std::string>> c;
  return c;
}

volatile double sink = 0;  // every step's value ends here

double cpu_ns() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) * 1e9 + double(ts.tv_nsec);
}
double wall_ns() {
  return double(std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::steady_clock::now().time_since_epoch())
                    .count());
}

// ---- a minimal JSON writer ----------------------------------------------------------------------
std::string quote(const std::string& s) {
  std::string q = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      q += '\\';
      q += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      q += buf;
    } else {
      q += c;
    }
  }
  return q + "\"";
}
std::string number(double x) {
  if (!std::isfinite(x)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", x);
  return buf;
}

const char* kind_name(TargetKind k) {
  switch (k) {
    case TargetKind::kSpeedupAtLeast:
      return "speedup_at_least";
    case TargetKind::kTimeRatioAtMost:
      return "time_ratio_at_most";
    case TargetKind::kSpeedShareAtLeast:
      return "speed_share_at_least";
    case TargetKind::kValueAtMost:
      return "value_at_most";
  }
  return "?";
}

std::string row_json(const Row& row) {
  std::ostringstream o;
  o << "{\"name\": " << quote(row.name) << ", \"metric\": " << quote(row.metric)
    << ", \"ns_per_unit\": " << number(row.ns_per_unit) << ", \"note\": " << quote(row.note)
    << ", \"threads\": " << row.threads << ", \"rounds\": " << row.rounds
    << ", \"iterations\": " << row.iterations << ", \"warmup\": " << (row.warmup ? "true" : "false")
    << ", \"figure\": " << quote(row.figure) << ", \"sides\": [";
  for (size_t i = 0; i < row.sides.size(); ++i) o << (i ? ", " : "") << quote(row.sides[i]);
  o << "], \"targets\": [";
  for (size_t i = 0; i < row.targets.size(); ++i) {
    const Target& t = row.targets[i];
    o << (i ? ", " : "") << "{\"kind\": " << quote(kind_name(t.kind))
      << ", \"ref\": " << quote(t.ref) << ", \"value\": " << number(t.value)
      << ", \"metric\": " << quote(t.metric) << "}";
  }
  o << "]";
  return o.str();
}

// One side of one row while it is measured.
struct Running {
  std::string side;
  Case c;
  int64_t iterations = 0;
  double check = NAN;
  std::string error;                // set when setup or a step threw
  std::vector<std::string> rounds;  // JSON objects
};

void run_round(Running& s, int threads) {
  for (auto& set : thread_setters()) set(threads);
  double acc = 0;
  const double c0 = cpu_ns(), w0 = wall_ns();
  double last = 0;
  for (int64_t i = 0; i < s.iterations; ++i) acc += last = s.c.step();
  const double c1 = cpu_ns(), w1 = wall_ns();
  sink = sink + acc;
  if (std::isnan(s.check)) s.check = s.c.check ? s.c.check() : last;  // no warm-up step
  Metrics m;
  if (s.c.metrics) s.c.metrics(m);
  std::ostringstream o;
  o << "{\"cpu_ns\": " << number((c1 - c0) / double(s.iterations))
    << ", \"wall_ns\": " << number((w1 - w0) / double(s.iterations)) << ", \"metrics\": {";
  bool first = true;
  for (const auto& [k, v] : m) {
    o << (first ? "" : ", ") << quote(k) << ": " << number(v);
    first = false;
  }
  o << "}}";
  s.rounds.push_back(o.str());
}

// Sets a side up, runs its first step (the check), then calibrates the iteration count: the
// steps of `min_time` seconds of CPU time, warming caches and allocators on the way.
void prepare(Running& s, const Setup& setup, const Row& row, double min_time) {
  for (auto& set : thread_setters()) set(row.threads);
  s.c = setup();
  if (!row.warmup) {  // e.g. a memory probe: the first round's step is the first step
    s.iterations = std::max(1, row.iterations);
    return;
  }
  double v = s.c.step();
  sink = sink + v;
  s.check = s.c.check ? s.c.check() : v;
  if (row.iterations > 0) {
    s.iterations = row.iterations;
    return;
  }
  int64_t n = 1;
  double spent = 0;
  for (;;) {
    const double c0 = cpu_ns();
    double acc = 0;
    for (int64_t i = 0; i < n; ++i) acc += s.c.step();
    spent = cpu_ns() - c0;
    sink = sink + acc;
    if (spent >= 0.25 * min_time * 1e9 || n >= (int64_t(1) << 40)) break;
    n *= spent > 0 ? std::clamp<int64_t>(int64_t(0.3 * min_time * 1e9 / spent), 2, 10) : 10;
  }
  s.iterations = std::max<int64_t>(1, int64_t(std::ceil(min_time * 1e9 * double(n) / spent)));
}

std::string context_json(const std::vector<std::pair<std::string, std::string>>& ctx) {
  std::ostringstream o;
  o << "{";
  for (size_t i = 0; i < ctx.size(); ++i)
    o << (i ? ", " : "") << quote(ctx[i].first) << ": " << quote(ctx[i].second);
  o << "}";
  return o.str();
}

}  // namespace

SideRegistrar::SideRegistrar(const char* row, const char* side, Setup setup) {
  registry()[row][side] = std::move(setup);
}

void add_thread_setter(std::function<void(int)> setter) {
  thread_setters().push_back(std::move(setter));
}

void add_context(const std::string& key, const std::string& value) {
  context().emplace_back(key, value);
}

int run(const Options& opt) {
  std::ostream* out = &std::cout;
  std::ofstream file;
  if (opt.out != "-") {
    file.open(opt.out);
    if (!file) {
      std::cerr << "paragrad_bench: cannot write " << opt.out << "\n";
      return 2;
    }
    out = &file;
  }
  const std::regex filter(opt.filter);
  *out << "{\"context\": " << context_json(context()) << ",\n \"rows\": [";
  bool first_row = true;
  for (const Row& row : rows()) {
    if (!std::regex_search(row.name, filter)) continue;
    *out << (first_row ? "\n  " : ",\n  ") << row_json(row);
    first_row = false;
    if (opt.list) {
      *out << "}";
      continue;
    }
    const auto& registered = registry()[row.name];
    std::vector<std::unique_ptr<Running>> sides;
    std::vector<std::string> absent;
    for (const std::string& name : row.sides) {
      if (!opt.only_sides.empty() &&
          std::find(opt.only_sides.begin(), opt.only_sides.end(), name) == opt.only_sides.end())
        continue;
      auto it = registered.find(name);
      if (it == registered.end()) {
        absent.push_back(name);
        continue;
      }
      auto s = std::make_unique<Running>();
      s->side = name;
      try {
        prepare(*s, it->second, row, opt.min_time);
      } catch (const std::exception& e) {
        s->error = e.what();
      }
      sides.push_back(std::move(s));
    }
    const int rounds = row.rounds > 0 ? row.rounds : opt.rounds;
    for (int r = 0; r < rounds; ++r)
      for (auto& s : sides) {
        if (!s->error.empty()) continue;
        try {
          run_round(*s, row.threads);
        } catch (const std::exception& e) {
          s->error = e.what();
        }
      }
    *out << ", \"absent\": [";
    for (size_t i = 0; i < absent.size(); ++i) *out << (i ? ", " : "") << quote(absent[i]);
    *out << "], \"results\": {";
    for (size_t i = 0; i < sides.size(); ++i) {
      const Running& s = *sides[i];
      *out << (i ? ",\n    " : "\n    ") << quote(s.side) << ": {\"iterations\": " << s.iterations
           << ", \"check\": " << number(s.check) << ", \"error\": " << quote(s.error)
           << ", \"rounds\": [";
      for (size_t k = 0; k < s.rounds.size(); ++k) *out << (k ? ", " : "") << s.rounds[k];
      *out << "]}";
    }
    *out << "}}";
    std::cerr << "paragrad_bench: " << row.name << " done\n";
    // Free every side's state before the next row.
  }
  *out << "\n]}\n";
  return out->good() ? 0 : 2;
}

}  // namespace bench
