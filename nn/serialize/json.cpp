#include <paragrad/nn/serialize/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>

#include <paragrad/engine/error.hpp>

namespace paragrad::serialize::json {

namespace {
constexpr int kMaxDepth = 64;
}  // namespace

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  Document parse_document() {
    if (s_.size() >= (uint64_t(1) << 32)) fail("text longer than 4 GB");
    skip_ws();
    parse_value(0);
    skip_ws();
    if (pos_ != s_.size()) fail("unexpected trailing characters");
    doc_.nodes_.shrink_to_fit();
    doc_.strings_.shrink_to_fit();
    return std::move(doc_);
  }

 private:
  using Node = Document::Node;

  [[noreturn]] void fail(const std::string& why) const { fail_at(why, pos_); }
  [[noreturn]] static void fail_at(const std::string& why, size_t pos) {
    throw ValueError(cat("safetensors: invalid JSON header: ", why, " at byte ", pos));
  }
  bool at_end() const { return pos_ >= s_.size(); }
  char peek() const { return at_end() ? '\0' : s_[pos_]; }
  void expect(char c) {
    if (at_end() || s_[pos_] != c) fail(cat("expected '", c, "'"));
    ++pos_;
  }
  void skip_ws() {
    while (!at_end() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
      ++pos_;
  }
  void literal(const char* word) {
    for (const char* p = word; *p; ++p) expect(*p);
  }
  uint32_t push(Kind kind, uint8_t flags = 0, uint32_t count = 0, uint64_t data = 0) {
    doc_.nodes_.push_back(Node{kind, flags, count, data});
    return uint32_t(doc_.nodes_.size() - 1);
  }

  void parse_value(int depth) {
    if (depth > kMaxDepth) fail("nesting too deep");
    switch (peek()) {
      case '{':
        parse_object(depth);
        break;
      case '[':
        parse_array(depth);
        break;
      case '"':
        parse_string();
        break;
      case 't':
        literal("true");
        push(Kind::Bool, 1);
        break;
      case 'f':
        literal("false");
        push(Kind::Bool, 0);
        break;
      case 'n':
        literal("null");
        push(Kind::Null);
        break;
      default:
        if (peek() == '-' || (peek() >= '0' && peek() <= '9')) {
          parse_number();
        } else {
          fail(at_end() ? "unexpected end" : "unexpected character");
        }
    }
  }

  void parse_object(int depth) {
    const uint32_t self = push(Kind::Object);
    expect('{');
    skip_ws();
    uint32_t members = 0;
    // (key node, its byte offset), for the duplicate check once the object is complete (the
    // string buffer no longer moves then).
    std::vector<std::pair<uint32_t, size_t>> keys;
    if (peek() == '}') {
      ++pos_;
    } else {
      while (true) {
        skip_ws();
        if (peek() != '"') fail("expected a string key");
        keys.emplace_back(uint32_t(doc_.nodes_.size()), pos_);
        parse_string();
        skip_ws();
        expect(':');
        skip_ws();
        parse_value(depth + 1);
        ++members;
        skip_ws();
        if (peek() == ',') {
          ++pos_;
          continue;
        }
        expect('}');
        break;
      }
    }
    doc_.nodes_[self].count = members;
    doc_.nodes_[self].data = doc_.nodes_.size();
    check_unique(keys);
  }

  // Sorting, not hashing: O(k log k) for k keys whatever the keys are.
  void check_unique(std::vector<std::pair<uint32_t, size_t>>& keys) const {
    if (keys.size() < 2) return;
    auto key = [&](const std::pair<uint32_t, size_t>& k) { return Value(&doc_, k.first).string(); };
    std::sort(keys.begin(), keys.end(), [&](const auto& a, const auto& b) {
      const int c = key(a).compare(key(b));
      return c != 0 ? c < 0 : a.second < b.second;
    });
    for (size_t i = 1; i < keys.size(); ++i)
      if (key(keys[i]) == key(keys[i - 1]))
        fail_at(cat("duplicate key \"", std::string(key(keys[i])), "\""), keys[i].second);
  }

  void parse_array(int depth) {
    const uint32_t self = push(Kind::Array);
    expect('[');
    skip_ws();
    uint32_t elements = 0;
    if (peek() == ']') {
      ++pos_;
    } else {
      while (true) {
        skip_ws();
        parse_value(depth + 1);
        ++elements;
        skip_ws();
        if (peek() == ',') {
          ++pos_;
          continue;
        }
        expect(']');
        break;
      }
    }
    doc_.nodes_[self].count = elements;
    doc_.nodes_[self].data = doc_.nodes_.size();
  }

  unsigned hex4() {
    unsigned code = 0;
    for (int i = 0; i < 4; ++i) {
      if (at_end()) fail("truncated \\u escape");
      const char c = s_[pos_++];
      code <<= 4;
      if (c >= '0' && c <= '9')
        code |= unsigned(c - '0');
      else if (c >= 'a' && c <= 'f')
        code |= unsigned(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        code |= unsigned(c - 'A' + 10);
      else
        fail("bad \\u escape");
    }
    return code;
  }

  static void append_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += char(cp);
    } else if (cp < 0x800) {
      out += char(0xC0 | (cp >> 6));
      out += char(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += char(0xE0 | (cp >> 12));
      out += char(0x80 | ((cp >> 6) & 0x3F));
      out += char(0x80 | (cp & 0x3F));
    } else {
      out += char(0xF0 | (cp >> 18));
      out += char(0x80 | ((cp >> 12) & 0x3F));
      out += char(0x80 | ((cp >> 6) & 0x3F));
      out += char(0x80 | (cp & 0x3F));
    }
  }

  // Decodes a string literal into the document's string buffer and adds its node.
  void parse_string() {
    expect('"');
    std::string& out = doc_.strings_;
    const size_t begin = out.size();
    while (true) {
      if (at_end()) fail("unterminated string");
      const unsigned char c = static_cast<unsigned char>(s_[pos_++]);
      if (c == '"') break;
      if (c < 0x20) fail("control character in string");
      if (c != '\\') {
        out += char(c);
        continue;
      }
      if (at_end()) fail("unterminated escape");
      switch (s_[pos_++]) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          unsigned cp = hex4();
          if (cp >= 0xD800 && cp <= 0xDBFF) {  // a surrogate pair
            if (pos_ + 1 >= s_.size() || s_[pos_] != '\\' || s_[pos_ + 1] != 'u')
              fail("unpaired surrogate");
            pos_ += 2;
            const unsigned lo = hex4();
            if (lo < 0xDC00 || lo > 0xDFFF) fail("unpaired surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            fail("unpaired surrogate");
          }
          append_utf8(out, cp);
          break;
        }
        default:
          fail("bad escape");
      }
    }
    push(Kind::String, 0, uint32_t(out.size() - begin), begin);
  }

  void parse_number() {
    const size_t start = pos_;
    bool negative = false;
    if (peek() == '-') {
      negative = true;
      ++pos_;
    }
    if (!(peek() >= '0' && peek() <= '9')) fail("bad number");
    bool overflow = false;
    uint64_t mag = 0;
    if (peek() == '0') {
      ++pos_;
      if (peek() >= '0' && peek() <= '9') fail("leading zero in number");
    } else {
      while (peek() >= '0' && peek() <= '9') {
        const uint64_t d = uint64_t(s_[pos_++] - '0');
        if (mag > (std::numeric_limits<uint64_t>::max() - d) / 10) overflow = true;
        if (!overflow) mag = mag * 10 + d;
      }
    }
    bool integral = true;
    if (peek() == '.') {
      integral = false;
      ++pos_;
      if (!(peek() >= '0' && peek() <= '9')) fail("bad fraction");
      while (peek() >= '0' && peek() <= '9') ++pos_;
    }
    if (peek() == 'e' || peek() == 'E') {
      integral = false;
      ++pos_;
      if (peek() == '+' || peek() == '-') ++pos_;
      if (!(peek() >= '0' && peek() <= '9')) fail("bad exponent");
      while (peek() >= '0' && peek() <= '9') ++pos_;
    }
    if (integral && !overflow) {
      push(Kind::Number, uint8_t(Document::kInteger | (negative ? Document::kNegative : 0)), 0,
           mag);
    } else {
      const double v = std::strtod(std::string(s_.substr(start, pos_ - start)).c_str(), nullptr);
      uint64_t bits;
      std::memcpy(&bits, &v, sizeof bits);
      push(Kind::Number, negative ? Document::kNegative : 0, 0, bits);
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
  Document doc_;
};

// --- Value ---------------------------------------------------------------------------------------

Kind Value::kind() const { return doc_->nodes_[node_].kind; }
bool Value::boolean() const { return doc_->nodes_[node_].flags != 0; }
bool Value::is_integer() const {
  const auto& n = doc_->nodes_[node_];
  return n.kind == Kind::Number && (n.flags & Document::kInteger);
}
bool Value::negative() const { return (doc_->nodes_[node_].flags & Document::kNegative) != 0; }
uint64_t Value::magnitude() const { return is_integer() ? doc_->nodes_[node_].data : 0; }
double Value::number() const {
  const auto& n = doc_->nodes_[node_];
  if (n.flags & Document::kInteger) {
    const double m = double(n.data);
    return (n.flags & Document::kNegative) ? -m : m;
  }
  double v;
  std::memcpy(&v, &n.data, sizeof v);
  return v;
}
std::string_view Value::string() const {
  const auto& n = doc_->nodes_[node_];
  return std::string_view(doc_->strings_).substr(size_t(n.data), n.count);
}
size_t Value::size() const { return doc_->nodes_[node_].count; }

Value::Range Value::elements() const {
  const auto& n = doc_->nodes_[node_];
  const bool container = n.kind == Kind::Array || n.kind == Kind::Object;
  const uint32_t first = node_ + 1, end = container ? uint32_t(n.data) : first;
  return Range{Iterator(doc_, container ? first : end), Iterator(doc_, end)};
}

Value::Iterator& Value::Iterator::operator++() {
  const auto& n = doc_->nodes_[node_];
  node_ = (n.kind == Kind::Array || n.kind == Kind::Object) ? uint32_t(n.data) : node_ + 1;
  return *this;
}

Document parse(std::string_view text) { return Parser(text).parse_document(); }

std::string quote(const std::string& s) {
  static const char* hex = "0123456789abcdef";
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 15];
        } else {
          out += char(c);
        }
    }
  }
  return out + "\"";
}

}  // namespace paragrad::serialize::json
