// The fuzzers' seed corpus (tests/fuzz/corpus/, written by scripts/fuzz_corpus.py) replayed in
// every build, so the hostile files are checked with the project's own compiler and sanitizers
// too, not only in the Clang fuzz stage: every valid_* file loads (and its tensors round-trip),
// every hostile_* file raises paragrad::Error naming safetensors, nothing else escapes.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "bad_input.hpp"

#include <paragrad/nn/serialize/json.hpp>
#include <paragrad/nn/serialize/safetensors.hpp>

using namespace paragrad;
namespace fs = std::filesystem;

namespace {
// The files of corpus/<name>, sorted; the corpus folder is given by tests/CMakeLists.txt.
std::vector<fs::path> corpus(const std::string& name) {
  const fs::path dir = fs::path(PARAGRAD_FUZZ_CORPUS_DIR) / name;
  REQUIRE(fs::is_directory(dir));
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}
bool starts_with(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}
std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}
}  // namespace

TEST_CASE("fuzz corpus: valid safetensors seeds load and hostile ones raise Error", "[bad_input]") {
  int valid = 0, hostile = 0;
  for (const fs::path& p : corpus("safetensors")) {
    const std::string name = p.filename().string();
    INFO("seed " << name);
    if (starts_with(name, "valid_")) {
      std::map<std::string, std::string> metadata;
      const auto bytes = read_all(p);
      const auto loaded = serialize::load_from_bytes(bytes, &metadata);
      CHECK(serialize::load(p.string()).size() == loaded.size());
      const auto again = serialize::load_from_bytes(serialize::save_to_bytes(loaded, metadata));
      REQUIRE(again.size() == loaded.size());
      for (const auto& [key, t] : loaded) {
        CHECK(again.at(key).sizes() == t.sizes());
        CHECK(again.at(key).dtype() == t.dtype());
        CHECK(again.at(key).tolist() == t.tolist());
      }
      ++valid;
    } else {
      REQUIRE(starts_with(name, "hostile_"));
      test::check_raises<Error>([&] { serialize::load(p.string()); }, "safetensors");
      ++hostile;
    }
  }
  CHECK(valid >= 9);
  CHECK(hostile >= 20);
}

TEST_CASE("fuzz corpus: JSON seeds parse within the memory bound or raise Error", "[bad_input]") {
  int parsed = 0;
  for (const fs::path& p : corpus("json")) {
    const std::string name = p.filename().string(), text = read_all(p);
    INFO("seed " << name);
    try {
      const auto doc = serialize::json::parse(text);
      CHECK(doc.memory_bytes() <= 16 * doc.node_count() + text.size() + 32);
      ++parsed;
    } catch (const Error&) {
      CHECK_FALSE(starts_with(name, "valid_"));
    }
  }
  CHECK(parsed >= 9);
}
