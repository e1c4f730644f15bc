#include "demo.hpp"

#include <unistd.h>

#include <sys/stat.h>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace demo {

namespace {
bool gnuplot_warned = false;

bool gnuplot_available() {
  static const int found = std::system("command -v gnuplot >/dev/null 2>&1") == 0 ? 1 : 0;
  return found == 1;
}

void make_dirs(const std::string& path) {
  std::string partial;
  std::istringstream parts(path);
  std::string piece;
  if (!path.empty() && path[0] == '/') partial = "/";
  while (std::getline(parts, piece, '/')) {
    if (piece.empty()) continue;
    partial += piece + "/";
    ::mkdir(partial.c_str(), 0755);
  }
}

std::string format_seconds(double s) {
  std::ostringstream os;
  os << std::fixed << std::setprecision(1) << s << " s";
  return os.str();
}
}  // namespace

bool Result::passed() const {
  if (!(gap <= tolerance)) return false;  // NaN fails too
  for (const auto& c : checks)
    if (!c.second) return false;
  return true;
}

std::vector<Demo>& registry() {
  static std::vector<Demo> demos;
  return demos;
}

Registrar::Registrar(Demo d) {
  auto& r = registry();
  r.push_back(std::move(d));
  std::sort(r.begin(), r.end(), [](const Demo& a, const Demo& b) { return a.name < b.name; });
}

Run::Run(const Demo& demo, std::map<std::string, std::string> values, bool full,
         std::string out_root, bool plots)
    : demo_(demo), values_(std::move(values)), full_(full), plots_(plots) {
  dir_ = out_root + "/" + demo.name;
  make_dirs(dir_);
  tty_ = ::isatty(STDOUT_FILENO) == 1;
  start_ = std::chrono::steady_clock::now();
  csv_.open(path("trajectory.csv"));
  check<ValueError>(bool(csv_), demo.name, ": cannot write ", path("trajectory.csv"));
  csv_ << "step,loss,violation,seconds,run\n";
  runs_.push_back(demo.name);
}

Run::~Run() { finish_progress_line(); }

std::string Run::str(const std::string& flag) const {
  for (const Flag& f : demo_.flags)
    if (f.name == flag) {
      auto it = values_.find(flag);
      if (it != values_.end()) return it->second;
      return full_ && !f.full.empty() ? f.full : f.quick;
    }
  throw ValueError(cat(demo_.name, ": no flag --", flag));
}

double Run::num(const std::string& flag) const {
  const std::string s = str(flag);
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  check<ValueError>(!s.empty() && end && *end == '\0', demo_.name, ": --", flag,
                    " expects a number, got '", s, "'");
  return v;
}

int64_t Run::integer(const std::string& flag) const {
  const double v = num(flag);
  check<ValueError>(std::floor(v) == v, demo_.name, ": --", flag, " expects an integer, got ",
                    str(flag));
  return int64_t(v);
}

double Run::elapsed() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

std::string Run::path(const std::string& file) const { return dir_ + "/" + file; }

void Run::log(int64_t step, int64_t total, double loss, double violation) {
  const double t = elapsed();
  logged_ = true;
  csv_ << step << "," << std::setprecision(12) << loss << "," << violation << "," << t << ","
       << runs_.back() << "\n";
  std::ostringstream line;
  line << "[" << demo_.name << "] step " << std::setw(5) << step << "/" << total << "  loss "
       << std::scientific << std::setprecision(4) << loss << "  violation " << std::setprecision(1)
       << violation << std::defaultfloat << "  " << format_seconds(t);
  if (tty_) {
    if (t - last_draw_ < 0.1 && step < total) return;
    last_draw_ = t;
    std::cout << "\r\033[K" << line.str() << std::flush;
    line_open_ = true;
  } else if (step >= next_plain_ || step == total) {
    std::cout << line.str() << "\n";
    next_plain_ = step + std::max<int64_t>(1, total / 10);
  }
}

void Run::begin_run(const std::string& label) {
  check<ValueError>(!label.empty() && label.find_first_of(",'\"\n") == std::string::npos,
                    demo_.name, ": a run label must be a plain non-empty word, got '", label, "'");
  check<ValueError>(std::find(runs_.begin(), runs_.end(), label) == runs_.end(), demo_.name,
                    ": run '", label, "' already exists");
  // The first run started before any row replaces the default one.
  if (runs_.size() == 1 && runs_[0] == demo_.name && !logged_)
    runs_[0] = label;
  else
    runs_.push_back(label);
  finish_progress_line();
  last_draw_ = -1;
  next_plain_ = 0;
}

void Run::finish_progress_line() {
  if (line_open_) {
    std::cout << "\n";
    line_open_ = false;
  }
}

void Run::say(const std::string& text) {
  finish_progress_line();
  std::cout << "[" << demo_.name << "] " << text << "\n" << std::flush;
}

void Run::write_csv(const std::string& file, const std::vector<std::string>& header,
                    const std::vector<std::vector<double>>& columns) const {
  std::ofstream out(path(file));
  check<ValueError>(bool(out), demo_.name, ": cannot write ", path(file));
  for (size_t i = 0; i < header.size(); ++i) out << (i ? "," : "") << header[i];
  out << "\n" << std::setprecision(12);
  const size_t rows = columns.empty() ? 0 : columns[0].size();
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < columns.size(); ++c) out << (c ? "," : "") << columns[c][r];
    out << "\n";
  }
}

void Run::gnuplot(const std::string& file, const std::string& script) const {
  if (!plots_) return;
  if (!gnuplot_available()) {
    if (!gnuplot_warned) {
      std::cout << "(gnuplot not found: writing CSV files only, no SVG plots; install it with "
                   "apt-get install gnuplot-nox)\n";
      gnuplot_warned = true;
    }
    return;
  }
  const std::string gp = path(file + ".gp");
  {
    std::ofstream out(gp);
    out << "set terminal svg size 800,500 dynamic enhanced font 'sans,11' background '#ffffff'\n"
        << "set output '" << path(file + ".svg") << "'\n"
        << "set datafile separator ','\n"
        << script;
  }
  const std::string cmd = "gnuplot '" + gp + "' 2>'" + path(file + ".gnuplot.log") + "'";
  if (std::system(cmd.c_str()) != 0)
    std::cout << "(gnuplot failed on " << gp << "; see " << path(file + ".gnuplot.log") << ")\n";
}

void Run::plot_trajectory() {
  csv_.flush();
  std::ostringstream s;
  s << "set title '" << demo_.name << ": " << demo_.constraint << "' noenhanced\n"
    << "set xlabel 'step'\nset ylabel 'loss'\nset y2label 'constraint violation'\n"
    << "set logscale y2\nset format y2 '%.0e'\nset ytics nomirror\nset y2tics\n"
    << "set key top right noenhanced\n";
  // One pair of lines per run: rows of other runs are undefined (1/0), which also breaks the
  // line, so a run that starts again at step 1 never joins the previous one.
  const std::string violation = "($3 > 1e-17 ? $3 : 1e-17)";
  s << "plot ";
  for (size_t i = 0; i < runs_.size(); ++i) {
    const bool one = runs_.size() == 1;
    const std::string only = "strcol(5) eq '" + runs_[i] + "' ? ";
    const std::string color = one ? "" : " lc " + std::to_string(i + 1);  // a run's color
    s << (i ? ", " : "") << "'" << path("trajectory.csv") << "' skip 1 using 1:("
      << (one ? "$2" : only + "$2 : 1/0") << ") with lines lw 2" << color << " title 'loss"
      << (one ? "" : " (" + runs_[i] + ")") << "', '' skip 1 using 1:("
      << (one ? violation : only + violation + " : 1/0") << ") axes x1y2 with lines lw 1 dt 2"
      << color << " title 'violation" << (one ? "" : " (" + runs_[i] + ")") << "'";
  }
  s << "\n";
  gnuplot("loss", s.str());
}

namespace {
void rebase(const Loop& loop, optim::Optimizer& opt) {
  for (const auto& [mod, name] : loop.rebase) constraints::update_base(*mod, name, opt);
}
}  // namespace

double adam(Run& run, nn::Module& m, const Loop& loop, double lr) {
  optim::Adam opt(m.parameters(), lr);
  double last = 0;
  for (int64_t step = 1; step <= loop.steps; ++step) {
    opt.zero_grad();
    Tensor loss;
    {
      auto guard = parametrize::cached();
      loss = loop.loss();
    }
    loss.backward();
    opt.step();
    if (loop.decay != 1.0)
      for (auto& group : opt.param_groups()) group["lr"] *= loop.decay;
    last = value(loss);
    run.log(step, loop.steps, last, loop.violation());
    if (loop.rebase_every > 0 && step % loop.rebase_every == 0) rebase(loop, opt);
  }
  return last;
}

double lbfgs(Run& run, nn::Module& m, const Loop& loop, int64_t inner) {
  optim::LBFGS opt(m.parameters(), 1, inner, 0, 1e-12, 1e-15, 100, "strong_wolfe");
  double last = 0;
  for (int64_t step = 1; step <= loop.steps; ++step) {
    Tensor loss = opt.step([&] {
      opt.zero_grad();
      Tensor l;
      {
        auto guard = parametrize::cached();
        l = loop.loss();
      }
      l.backward();
      return l;
    });
    {
      NoGradGuard g;
      auto guard = parametrize::cached();
      last = value(loop.loss());
    }
    (void)loss;
    run.log(step, loop.steps, last, loop.violation());
    if (loop.rebase_every > 0 && step % loop.rebase_every == 0) rebase(loop, opt);
  }
  return last;
}

double orthogonality(const Tensor& X) {
  Tensor Q = X.detach().to(kFloat64);
  if (Q.size(-2) < Q.size(-1)) Q = Q.mT();
  return (matmul(Q.mT(), Q) - eye(Q.size(-1), kFloat64)).abs().max().item<double>();
}

Tensor symmetric_with_spectrum(const std::vector<double>& values) {
  const int64_t n = int64_t(values.size());
  constraints::Stiefel St({n, n}, kFloat64);
  Tensor Q = St.sample();
  Tensor d = tensor(values, {n}, kFloat64);
  Tensor A = matmul(Q * d.unsqueeze(0), Q.mT());
  return 0.5 * (A + A.mT());
}

}  // namespace demo
