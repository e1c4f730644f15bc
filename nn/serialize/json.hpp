#pragma once
// A small strict JSON reader and writer for safetensors headers (RFC 8259): no trailing commas,
// comments, NaN or leading zeros; duplicate object keys and nesting deeper than 64 are errors.
// Integers are kept exactly (uint64 magnitude plus sign) for shapes and offsets.
//
// Hostile headers are the point: parsing is O(n log n) in the text length in the worst case (no
// hash that crafted keys could flood) and its memory is linear and small: every JSON value is one
// 16-byte node in a flat array (a container is followed by its elements), every decoded string is
// kept once in a shared buffer. Each value but the last takes at least two bytes of text ("1,"),
// so a Document keeps at most about 9 bytes per byte of text (a 10 MB array of 5 million
// numbers: 80 MB), and parsing peaks at about twice that while the node array grows.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace paragrad::serialize::json {

enum class Kind : uint8_t { Null, Bool, Number, String, Array, Object };

class Document;

// A handle to one value of a Document (valid while the Document lives).
class Value {
 public:
  Kind kind() const;
  bool boolean() const;             // Bool
  double number() const;            // Number (as strtod would read it)
  bool is_integer() const;          // Number written without fraction or exponent that fits uint64
  bool negative() const;            // Number: sign of an integer
  uint64_t magnitude() const;       // Number: |integer| (0 unless is_integer)
  std::string_view string() const;  // String (decoded)
  size_t size() const;              // Array: elements; Object: members

  // Elements of an Array / members of an Object, in file order (keys unique).
  class Iterator {
   public:
    Iterator(const Document* doc, uint32_t node) : doc_(doc), node_(node) {}
    Value operator*() const { return Value(doc_, node_); }
    Iterator& operator++();
    bool operator!=(const Iterator& o) const { return node_ != o.node_; }

   private:
    const Document* doc_;
    uint32_t node_;
  };
  struct Range {
    Iterator b, e;
    Iterator begin() const { return b; }
    Iterator end() const { return e; }
  };
  Range elements() const;  // Array: its values; Object: key, value, key, value, ...
  // Object members as (key, value); each key is a String value.
  template <class F>
  void for_each_member(F&& f) const {
    for (Iterator it = elements().begin(), end = elements().end(); it != end;) {
      const Value key = *it;
      ++it;
      f(key.string(), *it);
      ++it;
    }
  }

  Value(const Document* doc, uint32_t node) : doc_(doc), node_(node) {}

 private:
  const Document* doc_;
  uint32_t node_;
};

class Document {
 public:
  Value root() const { return Value(this, 0); }
  size_t node_count() const { return nodes_.size(); }
  // Bytes held (nodes and strings): for tests of the memory bound.
  size_t memory_bytes() const { return nodes_.capacity() * sizeof(Node) + strings_.capacity(); }

 private:
  friend class Value;
  friend class Parser;
  struct Node {
    Kind kind;
    uint8_t flags;   // Bool: the value; Number: kInteger | kNegative
    uint32_t count;  // String: length; Array: elements; Object: members
    uint64_t data;   // String: offset in strings_; container: index after its last node;
                     // Number: the magnitude if integer, else the double's bits
  };
  static constexpr uint8_t kInteger = 1, kNegative = 2;
  std::vector<Node> nodes_;
  std::string strings_;
};

// Parses the whole of text (surrounding whitespace allowed); ValueError "safetensors: invalid
// JSON header: ..." with the byte offset otherwise.
Document parse(std::string_view text);
// A JSON string literal, escaped.
std::string quote(const std::string& s);

}  // namespace paragrad::serialize::json
