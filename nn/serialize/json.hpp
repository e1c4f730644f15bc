#pragma once
// A small strict JSON reader and writer for safetensors headers (RFC 8259): no trailing commas,
// comments, NaN or leading zeros; duplicate object keys and nesting deeper than 64 are errors.
// Integers are kept exactly (uint64 magnitude plus sign) for shapes and offsets.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace paragrad::serialize::json {

struct Value {
  enum class Kind { Null, Bool, Number, String, Array, Object };
  Kind kind = Kind::Null;
  bool boolean = false;
  double number = 0;
  bool is_integer = false;  // a number written without fraction or exponent that fits uint64
  bool negative = false;    // sign of an integer
  uint64_t magnitude = 0;   // |integer|
  std::string string;
  std::vector<Value> array;
  std::vector<std::pair<std::string, Value>> object;  // in file order, keys unique
};

// Parses the whole of text (surrounding whitespace allowed); Error "safetensors: invalid JSON
// header: ..." with the byte offset otherwise.
Value parse(const std::string& text);
// A JSON string literal, escaped.
std::string quote(const std::string& s);

}  // namespace paragrad::serialize::json
