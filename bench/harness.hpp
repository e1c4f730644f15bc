#pragma once
// The measuring half of the benchmarks: rows, sides, and the interleaved rounds (issue 18).
//
// A *row* is one workload with a metric and its targets (rows.cpp). A *side* is one way of doing
// the row's work: "paragrad", "torch" (LibTorch), "eigen" (the same work hand-written on raw
// Eigen), "floor" (op_chain's minimal tape), or any other name a row lists. Sides register
// themselves from their own files with BENCH_SIDE, so the LibTorch sides live in files that only
// the LibTorch build compiles, and a row simply shows "n/a" for a side that is not built.
//
// The harness sets every side of a row up (outside the timing), then runs rounds: in each round
// every side in turn (A B C A B C ...) runs a fixed number of iterations, timed as a whole. The
// driver (run.py) turns the rounds into medians, ranges, per-round ratios and verdicts.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace bench {

// ---- keeping work alive -------------------------------------------------------------------------
// The compiler must assume `value` is read (and memory written), so the work that produced it is
// not dead code. Every step also returns a double that the harness adds to a volatile sink.
template <class T>
inline void do_not_optimize(const T& value) {
  asm volatile("" : : "r,m"(value) : "memory");
}
template <class T>
inline void do_not_optimize(T& value) {
  asm volatile("" : "+r,m"(value) : : "memory");
}

// ---- a side's case ------------------------------------------------------------------------------
// Extra per-round figures a side reports next to its time (e.g. "peak_bytes_per_op").
using Metrics = std::map<std::string, double>;

struct Case {
  Case() = default;
  Case(std::function<double()> step_, std::function<double()> check_ = nullptr,
       std::function<void(Metrics&)> metrics_ = nullptr)
      : step(std::move(step_)), check(std::move(check_)), metrics(std::move(metrics_)) {}
  // One iteration of the row's work. Returns a value read from the result (a loss, one gradient
  // entry), which the harness sinks.
  std::function<double()> step;
  // Optional: a summary of the last step's full result (e.g. the sum of every gradient entry),
  // called once after the first, untimed step. Sides of a row start from the same inputs, so
  // their checks must agree: the table shows the largest relative disagreement.
  std::function<double()> check;
  // Optional: figures measured by the last round's steps, read after the round (not timed).
  std::function<void(Metrics&)> metrics;
};
using Setup = std::function<Case()>;

// Registers `setup` as side `side` of row `row` (at static-initialization time).
struct SideRegistrar {
  SideRegistrar(const char* row, const char* side, Setup setup);
};
#define BENCH_CONCAT_(a, b) a##b
#define BENCH_CONCAT(a, b) BENCH_CONCAT_(a, b)
// BENCH_SIDE("op_chain", "paragrad", op_chain_setup);
#define BENCH_SIDE(row, side, setup) \
  static const ::bench::SideRegistrar BENCH_CONCAT(bench_side_, __LINE__)(row, side, setup)

// Called before each side's round with the row's thread count (Eigen's is always set; the LibTorch
// build adds at::set_num_threads).
void add_thread_setter(std::function<void(int)> setter);

// A key and value for the JSON's "context" (compiler, library versions, thread counts).
void add_context(const std::string& key, const std::string& value);

// ---- rows ---------------------------------------------------------------------------------------
// How a target reads the per-round figures of the paragrad side (p) and a reference side (r):
enum class TargetKind {
  kSpeedupAtLeast,     // r / p >= x   "≥ 3× faster than LibTorch"
  kTimeRatioAtMost,    // p / r <= x   "≤ 0.8× LibTorch's time", "≤ 3× the floor"
  kSpeedShareAtLeast,  // r / p >= x   shown as a percentage: "≥ 90% of raw Eigen's speed"
  kValueAtMost,        // p <= x       an absolute bound on the paragrad figure (no reference)
};

struct Target {
  TargetKind kind;
  std::string ref;  // reference side; empty for kValueAtMost
  double value;
  std::string metric = "";  // "": the row's main figure; else a Metrics key
};

struct Row {
  std::string name;
  std::string metric;  // unit of the main figure, e.g. "µs/iter", "ns/op"
  double ns_per_unit;  // main figure = CPU ns per iteration / ns_per_unit (when timed)
  std::vector<Target> targets;
  std::vector<std::string> sides;  // in round order; the first is the one targets judge
  std::string note = "";           // one line for the table's notes (what the row measures)
  int rounds = 0;                  // 0: the command line's (default 5)
  int iterations = 0;              // 0: calibrated to --min-time; else exactly this many per round
  int threads = 1;
  std::string figure = "";  // "": the main figure is the time; else this Metrics key
  bool warmup = true;       // false: no untimed first step (the check is read after round 1)
};

const std::vector<Row>& rows();  // rows.cpp

// Runs the rows whose names match `filter` (ECMAScript regex, search) and writes the JSON that
// run.py reads to `out` (and a progress line per row to stderr). Returns 0 on success.
struct Options {
  std::string filter = ".*";
  std::vector<std::string> only_sides;  // empty: every side of the row
  int rounds = 5;
  double min_time = 0.2;  // seconds of CPU time per side per round
  std::string out = "-";
  bool list = false;
};
int run(const Options& options);

}  // namespace bench
