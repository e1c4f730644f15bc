// Random differential programs (tests/differential/golden/, from
// scripts/oracle/differential_oracle.py) replayed in paragrad against PyTorch 1.13's values,
// gradients and Hessian-vector products; programs marked `check fd` against finite differences.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <paragrad/engine/error.hpp>

#include "differential/interpreter.hpp"
#include "differential/program.hpp"

namespace fs = std::filesystem;
using namespace paragrad;
using namespace paragrad::differential;

namespace {

std::string read_text(const fs::path& path) {
  std::ifstream f(path, std::ios::binary);
  REQUIRE(f.good());
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::vector<Program> golden(const std::string& family) {
  return parse_programs(
      read_text(fs::path(PARAGRAD_DIFFERENTIAL_DIR) / "golden" / (family + ".txt")));
}

// Runs every program of a family; each disagreement is one failed check with seed and text.
void replay(const std::string& family, size_t expected_count) {
  const std::vector<Program> programs = golden(family);
  CHECK(programs.size() == expected_count);
  size_t failures = 0;
  for (const Program& p : programs) {
    const std::string report = check_program(p);
    if (!report.empty()) {
      ++failures;
      FAIL_CHECK(family << ": " << report);
    }
  }
  CHECK(failures == 0);
}

const char* kSmall =
    "program 7 seed 42\n"
    "input f64 [2] grad : 0.5 -1.5\n"
    "op square 0\n"
    "value f64 [2] : 0.25 2.25\n"
    "cotangent : 1 2\n"
    "grad 0 : 1 -6\n"
    "tangent 0 : 1 1\n"
    "hvp 0 : 2 4\n"
    "end\n";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  text.replace(text.find(from), from.size(), to);
  return text;
}

}  // namespace

TEST_CASE("differential elementwise programs agree with PyTorch") { replay("elementwise", 90); }
TEST_CASE("differential reduction programs agree with PyTorch") { replay("reduction", 70); }
TEST_CASE("differential view programs agree with PyTorch") { replay("view", 70); }
TEST_CASE("differential matmul programs agree with PyTorch") { replay("matmul", 40); }
TEST_CASE("differential linalg programs agree with PyTorch") { replay("linalg", 72); }
TEST_CASE("differential in-place buffer programs agree with PyTorch") { replay("inplace", 30); }
TEST_CASE("differential zero-size programs agree with PyTorch") { replay("zero_size", 30); }
TEST_CASE("differential float32 programs agree with PyTorch") { replay("float32", 50); }
TEST_CASE("differential int64 programs agree with PyTorch") { replay("int64", 40); }
TEST_CASE("differential in-place programs with autograd agree with PyTorch") {
  replay("inplace_grad", 96);
}
TEST_CASE("differential indexing programs agree with PyTorch") { replay("indexing", 80); }
TEST_CASE("differential float32 in-place and indexing programs agree with PyTorch") {
  replay("inplace_grad_f32", 24);
  replay("indexing_f32", 20);
}
TEST_CASE("differential dtype promotion NaN empty and shape rule programs agree with PyTorch") {
  replay("semantics", 64);
}
TEST_CASE("differential programs asking for some gradients run only the needed subgraph") {
  replay("subgraph", 16);
}
TEST_CASE("differential eigenvector and full svd programs agree with PyTorch") {
  replay("vectors", 60);
}

TEST_CASE("differential check passes a correct program") {
  const auto programs = parse_programs(kSmall);
  REQUIRE(programs.size() == 1);
  CHECK(check_program(programs[0]).empty());
}

TEST_CASE("differential check reports a wrong value, gradient or hvp with seed and text") {
  for (const auto& [from, to] : {std::pair<std::string, std::string>{"0.25 2.25", "0.25 2.5"},
                                 {"grad 0 : 1 -6", "grad 0 : 1 -7"},
                                 {"hvp 0 : 2 4", "hvp 0 : 2 5"}}) {
    const auto programs = parse_programs(replaced(kSmall, from, to));
    const std::string report = check_program(programs[0]);
    INFO(from << " -> " << to);
    CHECK_THAT(report, Catch::Contains("seed 42") && Catch::Contains("op square 0"));
  }
}

TEST_CASE("differential check fd replaces the expected derivatives by finite differences") {
  // wrong derivatives from the oracle: pass under `check fd`, fail without it
  const std::string wrong =
      replaced(replaced(kSmall, "grad 0 : 1 -6", "grad 0 : 9 9"), "hvp 0 : 2 4", "hvp 0 : 0 0");
  CHECK_FALSE(check_program(parse_programs(wrong)[0]).empty());
  const auto fd = parse_programs(replaced(wrong, "seed 42", "seed 42 check fd"));
  REQUIRE(fd[0].check_fd);
  CHECK(check_program(fd[0]).empty());
}

TEST_CASE(
    "differential prod over several zeros follows finite differences where PyTorch is wrong") {
  // PyTorch 1.13's double backward of prod() over a tensor with two zeros is zero; the true HVP
  // (and paragrad's) is not. The generator marks such programs `check fd`; unmarked, the
  // comparison with PyTorch's HVP must fail.
  const auto programs = golden("reduction");
  const auto it = std::find_if(programs.begin(), programs.end(),
                               [](const Program& p) { return p.seed == 2000010; });
  REQUIRE(it != programs.end());
  REQUIRE(it->check_fd);
  CHECK_THAT(it->text, Catch::Contains("op prod_all 0"));
  CHECK(check_program(*it).empty());
  Program unmarked = *it;
  unmarked.check_fd = false;
  CHECK_THAT(check_program(unmarked), Catch::Contains("hvp of input 0"));
}

TEST_CASE("differential parser rejects malformed programs with ValueError naming the line") {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {replaced(kSmall, "op square 0", "op square 5"), "line 3"},
      {replaced(kSmall, "[2] grad", "[2,] grad"), "line 2"},
      {replaced(kSmall, "0.5 -1.5", "0.5"), "line 2"},
      {replaced(kSmall, "f64", "f16"), "unknown dtype"},
      {replaced(kSmall, "end\n", ""), "not closed"},
      {replaced(kSmall, "cotangent : 1 2", "cotangent : 1"), "line 5"},
      {replaced(kSmall, "[2] grad", "[300,300] grad"), "too large"},
      {replaced(kSmall, "seed 42", "seed x"), "integer"},
      {"garbage\n", "expected 'program'"},
  };
  for (const auto& [text, needle] : bad) {
    INFO(text);
    CHECK_THROWS_AS(parse_programs(text), ValueError);
    CHECK_THROWS_WITH(parse_programs(text), Catch::Contains(needle));
  }
}

TEST_CASE("differential interpreter rejects unknown ops and wrong operand counts") {
  const auto unknown = parse_programs(replaced(kSmall, "op square 0", "op frobnicate 0"));
  CHECK_THROWS_AS(execute(unknown[0]), ValueError);
  CHECK_THROWS_WITH(execute(unknown[0]), Catch::Contains("unknown op 'frobnicate'"));
  const auto few = parse_programs(replaced(kSmall, "op square 0", "op index 0"));
  CHECK_THROWS_WITH(execute(few[0]), Catch::Contains("takes 2 or more operands"));
  const auto arity = parse_programs(replaced(kSmall, "op square 0", "op add 0"));
  CHECK_THROWS_AS(execute(arity[0]), ValueError);
  CHECK_THROWS_WITH(execute(arity[0]), Catch::Contains("takes 2 operands"));
}

TEST_CASE("differential fuzz seed corpus parses or raises ValueError") {
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(PARAGRAD_DIFFERENTIAL_DIR) / ".." /
                                                  "fuzz" / "corpus" / "differential")) {
    ++files;
    INFO(entry.path().string());
    try {
      for (const Program& p : parse_programs(read_text(entry.path()))) (void)p;
    } catch (const ValueError&) {
    }
  }
  CHECK(files >= 3);
}

namespace {

const char* kLeafWrite =
    "program 8 seed 43\n"
    "input f64 [2] grad : 0.5 -1.5\n"
    "op mul_ 0 s=2\n"
    "raises forward leaf\n"
    "end\n";

const char* kStaleSave =
    "program 9 seed 44\n"
    "input f64 [2] grad : 0.5 -1.5\n"
    "op exp 0\n"
    "op mul_ 1 s=2\n"
    "value f64 [2] : 3.2974425414002564 0.44626032029685964\n"
    "cotangent : 1 1\n"
    "raises backward version\n"
    "end\n";

}  // namespace

TEST_CASE("differential raises lines pass only when paragrad raises the mapped error") {
  CHECK(check_program(parse_programs(kLeafWrite)[0]).empty());
  CHECK(check_program(parse_programs(kStaleSave)[0]).empty());
  // the same write under nograd=1 is allowed (as under torch.no_grad()): no error, reported
  CHECK_THAT(check_program(parse_programs(replaced(kLeafWrite, "s=2", "nograd=1 s=2"))[0]),
             Catch::Contains("did not raise; PyTorch raises (leaf)"));
  // a different kind: the message or the subclass does not match
  CHECK_THAT(check_program(parse_programs(replaced(kLeafWrite, "leaf\n", "version\n"))[0]),
             Catch::Contains("expected a AutogradError containing \"modified by an in-place"));
  CHECK_THAT(check_program(parse_programs(replaced(kLeafWrite, "leaf\n", "index\n"))[0]),
             Catch::Contains("expected a IndexError"));
  CHECK_THAT(check_program(parse_programs(replaced(kLeafWrite, "leaf\n", "bogus\n"))[0]),
             Catch::Contains("unknown error kind 'bogus'"));
  // backward that works where PyTorch raises: reported
  CHECK_THAT(check_program(parse_programs(replaced(kStaleSave, "op exp 0", "op neg 0"))[0]),
             Catch::Contains("value"));
  const std::string clean = replaced(replaced(replaced(kStaleSave, "op exp 0", "op clone 0"),
                                              "3.2974425414002564 0.44626032029685964", "1 -3"),
                                     "", "");
  CHECK_THAT(check_program(parse_programs(clean)[0]),
             Catch::Contains("backward did not raise; PyTorch raises (version)"));
}

TEST_CASE("differential parser reads b8 inputs and raises lines and rejects misplaced ones") {
  const auto ok = parse_programs(kStaleSave);
  REQUIRE(ok.size() == 1);
  CHECK(ok[0].raises_phase == "backward");
  CHECK(ok[0].raises_kind == "version");
  CHECK(parse_programs(kLeafWrite)[0].raises_phase == "forward");
  const auto mask = parse_programs(
      replaced(kSmall, "op square 0", "input b8 [2] nograd : 1 0\nop masked_fill 0 1 value=0"));
  REQUIRE(mask[0].steps.size() == 3);
  CHECK(mask[0].steps[1].input.dtype == kBool);
  const std::vector<std::pair<std::string, std::string>> bad = {
      {replaced(kLeafWrite, "raises forward leaf", "raises sideways leaf"), "raises <forward"},
      {replaced(kLeafWrite, "raises forward leaf", "raises forward Leaf!"), "bad error kind"},
      {replaced(kLeafWrite, "raises forward leaf\n", "raises forward leaf\nvalue f64 [] : 1\n"),
       "unexpected 'value'"},
      {replaced(kStaleSave, "raises backward version\n", "raises forward version\n"),
       "out of place"},
      {replaced(kStaleSave, "cotangent : 1 1\n", ""), "out of place"},
      {replaced(kStaleSave, "raises backward version\n", "raises backward version\ngrad 0 : 1 1\n"),
       "unexpected 'grad'"},
      {replaced(kSmall, "input f64 [2] grad", "input b8 [2] grad"), "only a floating input"},
      {replaced(kSmall, "[2] grad :", "[2] grad_unasked :"), "not an input that requires grad"},
      {replaced(kSmall, "[2] grad :", "[2] maybe :"),
       "expected 'grad', 'nograd' or 'grad_unasked'"},
      {replaced(kSmall, "op square 0", "input b8 [1] nograd : 2\nop square 0"), "not a b8"},
      {replaced(kSmall, "op square 0", "input i64 [1] nograd : 1e300\nop square 0"), "not a i64"},
  };
  for (const auto& [text, needle] : bad) {
    INFO(text);
    CHECK_THROWS_AS(parse_programs(text), ValueError);
    CHECK_THROWS_WITH(parse_programs(text), Catch::Contains(needle));
  }
}

TEST_CASE("differential comparison accepts NaN only where NaN is expected") {
  const std::string nan_relu =
      "program 10 seed 45\n"
      "input f64 [2] nograd : nan 1.5\n"
      "op relu 0\n"
      "value f64 [2] : nan 1.5\n"
      "end\n";
  CHECK(check_program(parse_programs(nan_relu)[0]).empty());
  CHECK_THAT(check_program(
                 parse_programs(replaced(nan_relu, "value f64 [2] : nan", "value f64 [2] : 0"))[0]),
             Catch::Contains("value[0]: expected 0, got nan"));
  CHECK_THAT(check_program(parse_programs(replaced(nan_relu, "nograd : nan", "nograd : 2"))[0]),
             Catch::Contains("value[0]: expected nan, got 2"));
}
