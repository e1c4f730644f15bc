// paragrad_bench: every side of every benchmark row in one program, measured in interleaved
// rounds (harness.hpp). Usually run by scripts/bench through bench/run.py.
//
//   paragrad_bench [--rows REGEX] [--sides a,b] [--rounds N] [--min-time SECONDS] [--out FILE]
//   paragrad_bench --list [--rows REGEX]
#include <unistd.h>

#include <Eigen/Core>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>

#include "harness.hpp"

namespace {

// One thread for every library. OpenBLAS and OpenMP read these when they are loaded, before
// main: if one is missing, set them all and start again.
void one_thread_environment(char** argv) {
  const char* vars[] = {"OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"};
  bool ok = true;
  for (const char* v : vars) {
    const char* value = std::getenv(v);
    ok = ok && value && std::strcmp(value, "1") == 0;
  }
  if (ok || std::getenv("PARAGRAD_BENCH_REEXEC")) return;
  for (const char* v : vars) setenv(v, "1", 1);
  setenv("PARAGRAD_BENCH_REEXEC", "1", 1);
  execv("/proc/self/exe", argv);
  std::cerr << "paragrad_bench: could not restart with OMP/OPENBLAS/MKL_NUM_THREADS=1\n";
}

std::string build_flags() {
  std::ostringstream o;
#ifdef NDEBUG
  o << "NDEBUG";
#else
  o << "assertions on";
#endif
#if defined(__AVX512F__)
  o << ", AVX-512";
#elif defined(__AVX2__)
  o << ", AVX2";
#elif defined(__AVX__)
  o << ", AVX";
#else
  o << ", SSE2 only";
#endif
#if defined(__FMA__)
  o << ", FMA";
#endif
  return o.str();
}

}  // namespace

int main(int argc, char** argv) {
  one_thread_environment(argv);
  bench::Options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "paragrad_bench: " << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--rows") {
      opt.filter = value();
    } else if (a == "--sides") {
      std::stringstream ss(value());
      for (std::string s; std::getline(ss, s, ',');) opt.only_sides.push_back(s);
    } else if (a == "--rounds") {
      opt.rounds = std::atoi(value().c_str());
    } else if (a == "--min-time") {
      opt.min_time = std::atof(value().c_str());
    } else if (a == "--out") {
      opt.out = value();
    } else if (a == "--list") {
      opt.list = true;
    } else {
      std::cerr << "paragrad_bench: unknown argument " << a
                << "\nusage: paragrad_bench [--rows REGEX] [--sides a,b] [--rounds N] "
                   "[--min-time SECONDS] [--out FILE] [--list]\n";
      return 2;
    }
  }
  if (opt.rounds < 1 || !(opt.min_time > 0)) {
    std::cerr << "paragrad_bench: --rounds must be >= 1 and --min-time > 0\n";
    return 2;
  }
  Eigen::setNbThreads(1);
#if defined(__clang__)
  bench::add_context("compiler", std::string("clang ") + __clang_version__);
#elif defined(__GNUC__)
  bench::add_context("compiler", std::string("GCC ") + __VERSION__);
#else
  bench::add_context("compiler", "unknown");
#endif
  bench::add_context("flags", build_flags());
  bench::add_context("eigen", std::to_string(EIGEN_WORLD_VERSION) + "." +
                                  std::to_string(EIGEN_MAJOR_VERSION) + "." +
                                  std::to_string(EIGEN_MINOR_VERSION));
  bench::add_context("eigen_threads", std::to_string(Eigen::nbThreads()));
  for (const char* v : {"OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"}) {
    const char* value = std::getenv(v);
    bench::add_context(v, value ? value : "unset");
  }
  return bench::run(opt);
}
