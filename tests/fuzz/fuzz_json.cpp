// libFuzzer target: the strict JSON parser of safetensors headers on arbitrary text. Any input
// must parse or raise paragrad::Error; a parsed document is walked completely (every node, every
// string) and must stay within the parser's memory bound (16 bytes per node, text-sized strings).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <paragrad/engine/error.hpp>
#include <paragrad/nn/serialize/json.hpp>

namespace {
namespace json = paragrad::serialize::json;

// Visits every value below v, returning how many there are.
size_t walk(const json::Value& v, int depth) {
  if (depth > 65) std::abort();  // the parser caps nesting at 64
  size_t n = 1;
  switch (v.kind()) {
    case json::Kind::String: {
      const std::string_view s = v.string();  // every byte readable (ASan checks)
      volatile char sink = s.empty() ? '\0' : s[s.size() - 1];
      (void)sink;
      break;
    }
    case json::Kind::Number:
      if (v.is_integer() && v.number() != v.number()) std::abort();
      break;
    case json::Kind::Array:
    case json::Kind::Object: {
      size_t count = 0;
      for (const json::Value e : v.elements()) {
        n += walk(e, depth + 1);
        ++count;
      }
      if (count != (v.kind() == json::Kind::Object ? 2 : 1) * v.size()) std::abort();
      break;
    }
    default:
      break;
  }
  return n;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const json::Document doc = json::parse(text);
    if (walk(doc.root(), 0) != doc.node_count()) std::abort();
    if (doc.memory_bytes() > 16 * doc.node_count() + text.size() + 32) std::abort();
  } catch (const paragrad::Error&) {
  }
  return 0;
}
