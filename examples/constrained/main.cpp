// paragrad-demo: the constrained-optimization gallery.
//
//   paragrad-demo --help               the demos and their flags
//   paragrad-demo NAME [flags]         one demo
//   paragrad-demo all [flags]          every demo, then a table: demo, gap, tolerance, pass, time
//
// Common flags: --full (the larger settings), --out DIR (default demo-output), --no-plot,
// --seed N. Exit status: 0 when every demo run met its tolerance, 1 otherwise, 2 on bad usage.
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "demo.hpp"

using namespace demo;

namespace {

struct Common {
  bool full = false;
  bool plots = true;
  std::string out = "demo-output";
  uint64_t seed = 0;
};

void usage(std::ostream& os) {
  os << "usage: paragrad-demo NAME|all [--full] [--out DIR] [--no-plot] [--seed N] [--FLAG "
        "VALUE ...]\n\n"
     << "Each demo solves a constrained problem with paragrad::constraints and paragrad's\n"
     << "optimizers, checks the answer against a closed form computed in the same program,\n"
     << "prints the gap and exits non-zero past its tolerance. Output: a live progress line,\n"
     << "demo-output/NAME/trajectory.csv (and more CSVs) and SVG plots (through gnuplot).\n\n"
     << "common flags:\n"
     << "  --full        the larger settings (the paper's, where there is one)\n"
     << "  --out DIR     output folder (default demo-output)\n"
     << "  --no-plot     CSV files only\n"
     << "  --seed N      random seed (default 0)\n\n"
     << "demos:\n";
  for (const Demo& d : registry()) {
    os << "  " << std::left << std::setw(20) << d.name << d.title << "  [" << d.constraint << "]\n";
    for (const Flag& f : d.flags) {
      std::ostringstream def;
      def << f.quick;
      if (!f.full.empty()) def << ", --full: " << f.full;
      os << "      --" << std::setw(14) << f.name << f.help << " (default " << def.str() << ")\n";
    }
  }
}

const Demo* find(const std::string& name) {
  for (const Demo& d : registry())
    if (d.name == name) return &d;
  return nullptr;
}

struct Row {
  std::string name;
  Result result;
  double seconds = 0;
  std::string error;
};

Row run_one(const Demo& d, const std::map<std::string, std::string>& values, const Common& c) {
  Row row{d.name, {}, 0, ""};
  manual_seed(c.seed);
  try {
    Run run(d, values, c.full, c.out, c.plots);
    row.result = d.run(run);
    row.seconds = run.elapsed();
    run.say(cat("gap ", row.result.gap_name, " = ", row.result.gap, " (tolerance ",
                row.result.tolerance, ")"));
    for (const auto& [what, ok] : row.result.checks) run.say(cat(ok ? "ok: " : "FAILED: ", what));
    run.say(row.result.passed() ? "PASS" : "FAIL");
  } catch (const std::exception& e) {
    row.error = e.what();
    std::cout << "[" << d.name << "] error: " << e.what() << "\n";
  }
  return row;
}

std::string sci(double v) {
  std::ostringstream os;
  os << std::scientific << std::setprecision(2) << v;
  return os.str();
}

void table(const std::vector<Row>& rows) {
  std::cout << "\n"
            << std::left << std::setw(22) << "demo" << std::setw(12) << "gap" << std::setw(12)
            << "tolerance" << std::setw(7) << "pass"
            << "time\n";
  for (const Row& r : rows) {
    const bool ok = r.error.empty() && r.result.passed();
    std::ostringstream t;
    t << std::fixed << std::setprecision(1) << r.seconds << " s";
    std::cout << std::left << std::setw(22) << r.name << std::setw(12)
              << (r.error.empty() ? sci(r.result.gap) : "error") << std::setw(12)
              << sci(r.result.tolerance) << std::setw(7) << (ok ? "yes" : "NO") << t.str() << "\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    usage(std::cerr);
    return 2;
  }
  Common common;
  std::string name;
  std::map<std::string, std::string> values;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    if (a == "--help" || a == "-h") {
      usage(std::cout);
      return 0;
    }
    if (a.rfind("--", 0) != 0) {
      if (!name.empty()) {
        std::cerr << "paragrad-demo: one demo name at a time (got " << name << " and " << a
                  << ")\n";
        return 2;
      }
      name = a;
      continue;
    }
    std::string key = a.substr(2), val;
    const size_t eq = key.find('=');
    const bool boolean = key == "full" || key == "no-plot";
    if (eq != std::string::npos) {
      val = key.substr(eq + 1);
      key = key.substr(0, eq);
    } else if (!boolean) {
      if (i + 1 >= args.size()) {
        std::cerr << "paragrad-demo: --" << key << " needs a value\n";
        return 2;
      }
      val = args[++i];
    }
    if (key == "full")
      common.full = true;
    else if (key == "no-plot")
      common.plots = false;
    else if (key == "out")
      common.out = val;
    else if (key == "seed")
      common.seed = std::stoull(val);
    else
      values[key] = val;
  }
  std::vector<const Demo*> chosen;
  if (name == "all") {
    for (const Demo& d : registry()) chosen.push_back(&d);
  } else if (const Demo* d = find(name)) {
    chosen.push_back(d);
  } else {
    std::cerr << "paragrad-demo: no demo named '" << name << "' (see --help)\n";
    return 2;
  }
  // Flags must belong to the chosen demo (with `all`: to some demo).
  for (const auto& [key, v] : values) {
    bool known = false;
    for (const Demo* d : chosen)
      for (const Flag& f : d->flags) known = known || f.name == key;
    if (!known) {
      std::cerr << "paragrad-demo: unknown flag --" << key << " (see --help)\n";
      return 2;
    }
  }
  std::vector<Row> rows;
  for (const Demo* d : chosen) {
    std::map<std::string, std::string> mine;
    for (const Flag& f : d->flags)
      if (values.count(f.name)) mine[f.name] = values.at(f.name);
    rows.push_back(run_one(*d, mine, common));
  }
  table(rows);
  bool ok = true;
  for (const Row& r : rows) ok = ok && r.error.empty() && r.result.passed();
  return ok ? 0 : 1;
}
