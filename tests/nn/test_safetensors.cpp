// safetensors: round trips for every dtype and rejection of every malformed-file case.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>

#include <paragrad/nn/serialize/safetensors.hpp>

using namespace paragrad;
namespace st = paragrad::serialize;

namespace {

std::string le64(uint64_t n) {
  std::string s;
  for (int i = 0; i < 8; ++i) s += char((n >> (8 * i)) & 0xFF);
  return s;
}
// A file image: header length, header, then data.
std::string file_of(const std::string& header, const std::string& data = "") {
  return le64(header.size()) + header + data;
}
std::string load_error(const std::string& bytes) {
  try {
    st::load_from_bytes(bytes);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}
bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}
const std::string kEightBytes(8, '\0');

}  // namespace

TEST_CASE("safetensors round-trips every dtype, 0-d, empty and non-contiguous tensors") {
  std::map<std::string, Tensor> m;
  m["f32"] = tensor({{1.5, -2.25, 3}, {4, 5, 6}});
  m["f64"] = tensor({1e-300, -0.1, 3.141592653589793}, kFloat64);
  m["i64"] = tensor({-9007199254740993.0, 0, 42}, kInt64);
  m["bool"] = tensor({1, 0, 1, 1}, kBool);
  m["scalar"] = scalar(2.5, kFloat64);
  m["empty"] = zeros({0, 3});
  m["transposed"] = tensor({{1, 2, 3}, {4, 5, 6}}, kFloat64).t();
  const auto back = st::load_from_bytes(st::save_to_bytes(m));
  REQUIRE(back.size() == m.size());
  for (const auto& [k, v] : m) {
    INFO(k);
    const Tensor& w = back.at(k);
    CHECK(w.dtype() == v.dtype());
    CHECK(w.shape() == v.shape());
    CHECK(w.tolist() == v.tolist());
  }
}

TEST_CASE("safetensors save and load go through a file") {
  const std::string path = "paragrad_test_roundtrip.safetensors";
  st::save({{"w", tensor({1, 2, 3}, kInt64)}}, path);
  auto back = st::load(path);
  std::remove(path.c_str());
  CHECK(back.at("w").tolist() == std::vector<double>{1, 2, 3});
}

TEST_CASE("safetensors writes the python library's layout: padded compact header, sorted data") {
  const std::string bytes =
      st::save_to_bytes({{"b", tensor({1.0, 2.0})}, {"a", tensor({3.0}, kFloat64)}});
  const std::string header =
      "{\"a\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]},"
      "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}";
  std::string padded = header;
  while (padded.size() % 8) padded += ' ';
  REQUIRE(bytes.size() == 8 + padded.size() + 16);
  CHECK(bytes.substr(0, 8) == le64(padded.size()));
  CHECK(bytes.substr(8, padded.size()) == padded);
}

TEST_CASE("safetensors keeps __metadata__ strings") {
  std::map<std::string, std::string> meta{{"format", "pt"}, {"note", "quote \" and \\ ok"}};
  std::map<std::string, std::string> back_meta;
  auto back = st::load_from_bytes(st::save_to_bytes({{"x", zeros({1})}}, meta), &back_meta);
  CHECK(back_meta == meta);
  CHECK(back.size() == 1);
}

TEST_CASE("safetensors refuses to save a tensor named __metadata__") {
  CHECK_THROWS_AS(st::save_to_bytes({{"__metadata__", zeros({1})}}), Error);
}

TEST_CASE("safetensors rejects a file shorter than its length prefix") {
  CHECK(contains(load_error("abc"), "too short"));
  CHECK(contains(load_error(""), "too short"));
}

TEST_CASE("safetensors rejects a header length beyond the file size") {
  CHECK(contains(load_error(le64(100) + "{}"), "exceeds the file size"));
}

TEST_CASE("safetensors rejects an absurd header length without allocating it") {
  CHECK(contains(load_error(le64(~uint64_t(0)) + "{}"), "exceeds the limit"));
  CHECK(contains(load_error(le64(uint64_t(1) << 40) + "{}"), "exceeds the limit"));
}

TEST_CASE("safetensors rejects syntactically invalid JSON headers") {
  for (const std::string h :
       {"{", "{\"a\":}", "{\"a\":{},}", "[1,]", "{'a':1}", "{\"a\":01}", "{\"a\":\"x\ny\"}", "{} x",
        "{\"a\":tru}", "{\"a\":\"\\q\"}", "{\"a\":\"\\ud800\"}", "{\"a\" 1}", "{\"a\":-}"}) {
    INFO(h);
    CHECK(contains(load_error(file_of(h)), "invalid JSON"));
  }
}

TEST_CASE("safetensors rejects deeply nested JSON without overflowing the stack") {
  const std::string h = std::string(100000, '[') + std::string(100000, ']');
  CHECK(contains(load_error(file_of(h)), "nesting too deep"));
}

TEST_CASE("safetensors rejects a header that is not an object") {
  CHECK(contains(load_error(file_of("[1, 2]")), "not a JSON object"));
}

TEST_CASE("safetensors rejects duplicate tensor names") {
  const std::string e = "{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}";
  CHECK(contains(load_error(file_of("{\"a\":" + e + ",\"a\":" + e + "}")), "duplicate key"));
}

TEST_CASE("safetensors rejects unknown dtypes") {
  const std::string msg = load_error(
      file_of("{\"a\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,2]}}", "\0\0"));
  CHECK(contains(msg, "unsupported dtype 'F16'"));
}

TEST_CASE("safetensors rejects negative, fractional and non-numeric dims") {
  for (const std::string shape : {"[-1]", "[1.5]", "[\"2\"]", "{}", "[1e3]"}) {
    INFO(shape);
    const std::string h =
        "{\"a\":{\"dtype\":\"F32\",\"shape\":" + shape + ",\"data_offsets\":[0,0]}}";
    CHECK(contains(load_error(file_of(h)), "shape"));
  }
}

TEST_CASE("safetensors rejects huge dims whose product overflows") {
  const std::string h =
      "{\"a\":{\"dtype\":\"F64\",\"shape\":[4294967296,4294967296,16],"
      "\"data_offsets\":[0,8]}}";
  CHECK(contains(load_error(file_of(h, kEightBytes)), "does not fit"));
  const std::string h2 =
      "{\"a\":{\"dtype\":\"F64\",\"shape\":[99999999999999999999999],\"data_offsets\":[0,8]}}";
  CHECK(contains(load_error(file_of(h2, kEightBytes)), "shape"));
}

TEST_CASE("safetensors rejects a byte count that disagrees with shape and dtype") {
  const std::string h = "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}";
  CHECK(contains(load_error(file_of(h, kEightBytes)), "needs 12 bytes"));
}

TEST_CASE("safetensors rejects offsets beyond the data region or reversed") {
  const std::string h = "{\"a\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[8,16]}}";
  CHECK(contains(load_error(file_of(h, kEightBytes)), "out of range"));
  const std::string h2 = "{\"a\":{\"dtype\":\"F64\",\"shape\":[0],\"data_offsets\":[8,0]}}";
  CHECK(contains(load_error(file_of(h2, kEightBytes)), "out of range"));
  const std::string h3 = "{\"a\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[-8,0]}}";
  CHECK(contains(load_error(file_of(h3, kEightBytes)), "non-negative integers"));
  const std::string h4 = "{\"a\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0]}}";
  CHECK(contains(load_error(file_of(h4, kEightBytes)), "[begin, end]"));
}

TEST_CASE("safetensors rejects overlapping tensors") {
  const std::string h =
      "{\"a\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]},"
      "\"b\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]}}";
  CHECK(contains(load_error(file_of(h, kEightBytes)), "overlap"));
}

TEST_CASE("safetensors rejects gaps between tensors and uncovered trailing bytes") {
  const std::string h = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
  CHECK(contains(load_error(file_of(h, kEightBytes)), "gap"));
  const std::string h2 = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
  CHECK(contains(load_error(file_of(h2, kEightBytes)), "cover 4 bytes of a data region of 8"));
}

TEST_CASE("safetensors rejects entries with missing or unknown fields") {
  CHECK(contains(load_error(file_of("{\"a\":{\"dtype\":\"F32\",\"shape\":[0]}}")),
                 "needs dtype, shape and data_offsets"));
  CHECK(contains(load_error(file_of("{\"a\":{\"dtype\":\"F32\",\"shape\":[0],"
                                    "\"data_offsets\":[0,0],\"x\":1}}")),
                 "unknown field 'x'"));
  CHECK(contains(load_error(file_of("{\"a\":5}")), "not an object"));
}

TEST_CASE("safetensors rejects BOOL bytes other than 0 and 1") {
  const std::string h = "{\"a\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[0,2]}}";
  CHECK(contains(load_error(file_of(h, std::string("\1\2", 2))), "neither 0 nor 1"));
}

TEST_CASE("safetensors rejects __metadata__ that is not a string map") {
  CHECK(contains(load_error(file_of("{\"__metadata__\":{\"a\":1}}")), "not a string"));
  CHECK(contains(load_error(file_of("{\"__metadata__\":[1]}")), "must be an object"));
}

TEST_CASE("safetensors rejects a truncated file") {
  std::string bytes = st::save_to_bytes({{"w", tensor({1, 2, 3, 4})}});
  bytes.resize(bytes.size() - 3);
  CHECK(contains(load_error(bytes), "out of range"));
}

TEST_CASE("safetensors load of a missing file raises Error") {
  CHECK_THROWS_AS(st::load("/nonexistent/dir/x.safetensors"), Error);
}
