// Hostile files for serialize::load (issue 12), each generated here into a temporary directory:
// a directory, /dev/zero, a pipe that never ends, PyTorch torch.save files (zip and pickle), a
// NumPy file, shapes whose size or strides overflow, a valid file of 80,000 tensors (the old
// duplicate-key check was quadratic) and a 10 MB header holding a 5-million-entry shape. Each
// loads or raises paragrad::Error naming safetensors, reads no more than the file holds, and a
// module loading it is left unchanged.
#include <sys/stat.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "bad_input.hpp"
#include "nn/torch_save_fixture.hpp"

#include <paragrad/nn/nn.hpp>
#include <paragrad/nn/serialize/json.hpp>
#include <paragrad/nn/serialize/safetensors.hpp>

using namespace paragrad;
namespace st = paragrad::serialize;
namespace fs = std::filesystem;
using paragrad::test::check_raises;

namespace {

// A fresh temporary directory, removed with everything in it at scope exit.
struct TempDir {
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "paragrad-hostile-XXXXXX").string();
    path = fs::path(mkdtemp(tmpl.data()));
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string file(const std::string& name, const std::string& bytes) const {
    const std::string p = (path / name).string();
    std::ofstream(p, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
    return p;
  }
  fs::path path;
};

std::string le64(uint64_t n) {
  std::string s;
  for (int i = 0; i < 8; ++i) s += char((n >> (8 * i)) & 0xFF);
  return s;
}
std::string file_of(const std::string& header, const std::string& data = "") {
  return le64(header.size()) + header + data;
}

}  // namespace

TEST_CASE("serialize: loading a directory raises Error, not std::ios_base::failure",
          "[bad_input]") {
  TempDir dir;
  check_raises<Error>([&] { st::load(dir.path.string()); }, "safetensors.load", {"is a directory"});
  check_raises<Error>([&] { st::load((dir.path / "missing.safetensors").string()); },
                      "safetensors.load", {"no such file"});
}

TEST_CASE("serialize: loading /dev/zero stops at its first bytes", "[bad_input]") {
  REQUIRE(fs::exists("/dev/zero"));
  // A zero header length and no JSON: refused after reading 8 bytes (it read 3.9 GB before).
  check_raises<ValueError>([] { st::load("/dev/zero"); }, "safetensors", {"invalid JSON"});
}

TEST_CASE("serialize: a pipe that goes on past its data region is refused", "[bad_input]") {
  TempDir dir;
  const std::string fifo = (dir.path / "endless").string();
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  std::signal(SIGPIPE, SIG_IGN);  // the writer learns the reader left from EPIPE
  const std::string valid = st::save_to_bytes({{"w", tensor({1.0, 2.0})}});
  std::thread writer([&] {
    std::ofstream out(fifo, std::ios::binary);
    out.write(valid.data(), std::streamsize(valid.size()));
    const std::string zeros(1 << 16, '\0');
    while (out.write(zeros.data(), std::streamsize(zeros.size()))) out.flush();
  });
  const std::string msg = paragrad::test::error_of<ValueError>([&] { st::load(fifo); });
  writer.join();
  CHECK(msg.rfind("safetensors", 0) == 0);
  CHECK(msg.find("continues past the 8 bytes of data") != std::string::npos);
  // The same bytes from a pipe that ends load fine.
  std::thread once([&] { std::ofstream(fifo, std::ios::binary) << valid; });
  const auto loaded = st::load(fifo);
  once.join();
  CHECK(loaded.at("w").tolist() == std::vector<double>{1, 2});
}

TEST_CASE(
    "serialize: PyTorch torch.save files are recognized and the message says how to "
    "convert them",
    "[bad_input]") {
  TempDir dir;
  for (const auto& [name, bytes, what] : {std::tuple<std::string, std::string, std::string>{
                                              "model.pt", test::kTorchSaveZip, "zip archive"},
                                          {"legacy.pt", test::kTorchSavePickle, "Python pickle"}}) {
    INFO(name);
    const std::string path = dir.file(name, bytes);
    check_raises<ValueError>([&] { st::load(path); }, "safetensors",
                             {name, what, "torch.save", "save_file", "torch.load"});
    check_raises<ValueError>([&] { st::load_from_bytes(bytes); }, "safetensors", {what});
  }
  const std::string npy = std::string("\x93NUMPY\x01\x00", 8) + "{'descr': '<f4'}";
  check_raises<ValueError>([&] { st::load_from_bytes(npy); }, "safetensors", {"NumPy"});
}

TEST_CASE("serialize: shapes whose size or strides overflow int64 are refused", "[bad_input]") {
  const std::string strides =
      "{\"z\":{\"dtype\":\"F32\",\"shape\":[0,4611686018427387904,4611686018427387904],"
      "\"data_offsets\":[0,0]}}";
  check_raises<ValueError>([&] { st::load_from_bytes(file_of(strides)); }, "safetensors",
                           {"[0, 4611686018427387904, 4611686018427387904]", "strides"});
  const std::string size =
      "{\"z\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,0]}}";
  check_raises<ValueError>([&] { st::load_from_bytes(file_of(size)); }, "safetensors",
                           {"does not fit"});
}

TEST_CASE("serialize: a valid file of 80,000 tensors loads (the key check is not quadratic)",
          "[bad_input]") {
  std::map<std::string, Tensor> many;
  for (int i = 0; i < 80000; ++i) many.emplace("layer." + std::to_string(i), scalar(float(i)));
  const std::string bytes = st::save_to_bytes(many);
  const auto loaded = st::load_from_bytes(bytes);
  REQUIRE(loaded.size() == 80000);
  CHECK(loaded.at("layer.79999").item<float>() == 79999.0f);
  // A duplicated name is refused, naming it.
  const std::string header = st::save_to_bytes({{"a", scalar(1.0f)}, {"b", scalar(2.0f)}});
  std::string h = header.substr(8, header.size() - 8 - 8);
  h.replace(h.find("\"b\""), 3, "\"a\"");
  check_raises<ValueError>([&] { st::load_from_bytes(file_of(h, std::string(8, '\0'))); },
                           "safetensors", {"duplicate key \"a\""});
}

TEST_CASE("serialize: a 10 MB header with a 5-million-entry shape is refused in linear memory",
          "[bad_input]") {
  std::string shape = "[";
  for (int i = 0; i < 5000000; ++i) shape += i ? ",1" : "1";
  shape += "]";
  const std::string header =
      "{\"a\":{\"dtype\":\"F32\",\"shape\":" + shape + ",\"data_offsets\":[0,4]}}";
  REQUIRE(header.size() > 10000000);
  // The parsed header needs at most 9 bytes per byte of text (1.0 GB for this one before).
  const auto doc = st::json::parse(header);
  CHECK(doc.node_count() == 5000000 + 11);
  CHECK(doc.memory_bytes() <= 9 * header.size());
  check_raises<ValueError>([&] { st::load_from_bytes(file_of(header, std::string(4, '\0'))); },
                           "safetensors", {"too many dimensions (5000000)"});
}

TEST_CASE("serialize: a module loading a hostile file keeps its parameters", "[bad_input]") {
  TempDir dir;
  nn::Linear layer(3, 2);
  const paragrad::test::Snapshot w(layer.weight()), b(layer.bias());
  const std::string good = dir.file("good.safetensors", st::save_to_bytes(layer.state_dict()));
  std::string truncated = st::save_to_bytes(layer.state_dict());
  truncated.resize(truncated.size() - 1);
  for (const std::string& path :
       {dir.path.string(), dir.file("zip.pt", test::kTorchSaveZip),
        dir.file("truncated.safetensors", truncated), std::string("/dev/zero")}) {
    INFO(path);
    CHECK_THROWS_AS(layer.load(path), Error);
    CHECK(paragrad::test::Snapshot(layer.weight()) == w);
    CHECK(paragrad::test::Snapshot(layer.bias()) == b);
  }
  layer.load(good);
  CHECK(paragrad::test::Snapshot(layer.weight()).values == w.values);
}
