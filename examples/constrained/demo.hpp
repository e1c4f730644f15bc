#pragma once
// The gallery's shared plumbing: a registry of demos, their flags, a live progress line, the
// trajectory CSV under demo-output/<name>/ and gnuplot SVG plots. Each demo lives in its own
// file and registers itself with PARAGRAD_DEMO; paragrad-demo (main.cpp) runs them.
#include <chrono>
#include <cstdint>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <paragrad/paragrad.hpp>

namespace demo {

using namespace paragrad;

// A demo's own flag: --name value (or --name=value); `quick` is its value in the default quick
// run, `full` under --full (empty: the same as quick).
struct Flag {
  std::string name;
  std::string quick;
  std::string help;
  std::string full = "";
};

class Run;

// What a demo returns: the gap between its answer and the closed form (or reference), the
// tolerance it documents, what the gap measures, and further checks that must hold.
struct Result {
  double gap = 0;
  double tolerance = 0;
  std::string gap_name;
  std::vector<std::pair<std::string, bool>> checks;  // (description, passed)
  bool passed() const;
};

struct Demo {
  std::string name;        // command-line name, also the output folder
  std::string title;       // one line: the problem
  std::string constraint;  // the constraint(s) used
  std::vector<Flag> flags;
  std::function<Result(Run&)> run;
};

// The registry, in registration order by name.
std::vector<Demo>& registry();
struct Registrar {
  explicit Registrar(Demo d);
};
#define PARAGRAD_DEMO_CAT2(a, b) a##b
#define PARAGRAD_DEMO_CAT(a, b) PARAGRAD_DEMO_CAT2(a, b)
#define PARAGRAD_DEMO(...) \
  static ::demo::Registrar PARAGRAD_DEMO_CAT(demo_registrar_, __LINE__)(::demo::Demo{__VA_ARGS__})

// The context of one run: flags, output folder, progress line, trajectory CSV and plots.
class Run {
 public:
  Run(const Demo& demo, std::map<std::string, std::string> values, bool full, std::string out_root,
      bool plots);
  ~Run();

  // Flag values (Error for an unknown name or a malformed number).
  std::string str(const std::string& flag) const;
  double num(const std::string& flag) const;
  int64_t integer(const std::string& flag) const;
  bool full() const { return full_; }

  // Records one step of the optimization: the trajectory CSV gets a row, and the progress line
  // is refreshed (at most 10 times a second on a terminal; 10 plain lines in all otherwise).
  void log(int64_t step, int64_t total, double loss, double violation);
  // For a demo that optimizes more than once: the rows logged from now on belong to the run
  // `label` (the CSV's `run` column; by default every row is in one run named after the demo),
  // and plot_trajectory() draws each run as its own lines. Labels are plain words: no quotes or
  // commas.
  void begin_run(const std::string& label);
  // A line of text above the progress line.
  void say(const std::string& text);
  double elapsed() const;

  // demo-output/<name>/<file>
  std::string path(const std::string& file) const;
  // Writes a CSV with a header row and the given columns (same length).
  void write_csv(const std::string& file, const std::vector<std::string>& header,
                 const std::vector<std::vector<double>>& columns) const;
  // Loss and constraint violation against step, from the trajectory CSV, as loss.svg (the
  // violation on a log scale); one loss and one violation line per run.
  void plot_trajectory();
  // Runs a gnuplot script (written to <file>.gp) that draws <file>.svg. Says once per process
  // when gnuplot is missing.
  void gnuplot(const std::string& file, const std::string& script) const;

 private:
  void finish_progress_line();

  const Demo& demo_;
  std::map<std::string, std::string> values_;
  bool full_;
  std::string dir_;
  bool plots_;
  bool tty_;
  std::chrono::steady_clock::time_point start_;
  double last_draw_ = -1;
  int64_t next_plain_ = 0;
  bool line_open_ = false;
  std::ofstream csv_;
  std::vector<std::string> runs_;  // labels, in order; the last one is current
  bool logged_ = false;
};

// --- optimization loops shared by demos
struct Loop {
  std::function<Tensor()> loss;       // the objective, recomputed from the module (with grad)
  std::function<double()> violation;  // the constraint's residual now (reported, not enforced)
  int64_t steps = 100;
  double decay = 1.0;  // Adam: every learning rate is multiplied by this after each step
  // Dynamic trivialization every `rebase_every` steps (0: never): constraints::update_base on
  // each name in `rebase`, resetting the optimizer's state for their originals.
  int64_t rebase_every = 0;
  std::vector<std::pair<nn::Module*, std::string>> rebase;
};
// Adam(lr) on m's parameters; the loss is computed under parametrize::cached(). Returns the last
// loss.
double adam(Run& run, nn::Module& m, const Loop& loop, double lr);
// LBFGS (strong Wolfe line search, `inner` iterations per step) on m's parameters.
double lbfgs(Run& run, nn::Module& m, const Loop& loop, int64_t inner = 20);

// --- helpers shared by demos
// max |X^T X - I| for tall X, |x| - 1 for rows, ...: small float64 residuals to report.
double orthogonality(const Tensor& X);
// A random symmetric matrix with eigenvalues `values` (descending) and Haar eigenvectors.
Tensor symmetric_with_spectrum(const std::vector<double>& values);
// Float64 scalar of a 0-d tensor.
inline double value(const Tensor& t) { return t.detach().to(kFloat64).item<double>(); }

}  // namespace demo
