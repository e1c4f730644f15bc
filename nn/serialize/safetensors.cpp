// safetensors files. Load reads the 8-byte length and the header, validates the whole header
// (length, JSON, dtypes, shapes, offsets tiling the data region exactly) before reading a single
// data byte, then reads each tensor's bytes straight into its storage. Every read is bounded:
// by a regular file's real size, by the header's own description of the data region for other
// streams (a device or a pipe that does not end there is an error), and every allocation by what
// was validated. Files of other formats (PyTorch's torch.save zip or pickle, NumPy .npy) are
// recognized by their magic bytes and named, with how to convert them.
#include <paragrad/nn/serialize/safetensors.hpp>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <vector>

#include <paragrad/nn/serialize/json.hpp>

namespace paragrad::serialize {

namespace {

constexpr const char* kMetadataKey = "__metadata__";

bool little_endian_host() {
  const uint16_t one = 1;
  unsigned char b;
  std::memcpy(&b, &one, 1);
  return b == 1;
}

const char* dtype_tag(Dtype d) {
  switch (d) {
    case Dtype::Float32:
      return "F32";
    case Dtype::Float64:
      return "F64";
    case Dtype::Int64:
      return "I64";
    case Dtype::Bool:
      return "BOOL";
  }
  return "?";
}

bool parse_dtype_tag(std::string_view s, Dtype& d) {
  if (s == "F32")
    d = kFloat32;
  else if (s == "F64")
    d = kFloat64;
  else if (s == "I64")
    d = kInt64;
  else if (s == "BOOL")
    d = kBool;
  else
    return false;
  return true;
}

struct Entry {
  std::string name;
  Dtype dtype;
  Shape shape;
  uint64_t begin, end;
};

[[noreturn]] void bad(const std::string& why) { throw ValueError("safetensors: " + why); }

uint64_t as_offset(const json::Value& v, const std::string& name) {
  if (v.kind() != json::Kind::Number || !v.is_integer() || v.negative())
    bad(cat("tensor '", name, "': data_offsets must be non-negative integers"));
  return v.magnitude();
}

std::string shape_text(const Shape& s) { return shape_str(Dims(s.begin(), s.end())); }

// One tensor's entry. data_size bounds its bytes: the data region's size when it is known,
// else the most any tensor may hold.
Entry parse_entry(const std::string& name, const json::Value& info, uint64_t data_size) {
  if (info.kind() != json::Kind::Object) bad(cat("tensor '", name, "': entry is not an object"));
  std::optional<json::Value> dtype, shape, offsets;
  info.for_each_member([&](std::string_view k, const json::Value& v) {
    if (k == "dtype")
      dtype = v;
    else if (k == "shape")
      shape = v;
    else if (k == "data_offsets")
      offsets = v;
    else
      bad(cat("tensor '", name, "': unknown field '", std::string(k), "'"));
  });
  if (!dtype || !shape || !offsets)
    bad(cat("tensor '", name, "': needs dtype, shape and data_offsets"));

  Entry e{name, kFloat32, {}, 0, 0};
  if (dtype->kind() != json::Kind::String) bad(cat("tensor '", name, "': dtype must be a string"));
  if (!parse_dtype_tag(dtype->string(), e.dtype))
    bad(cat("tensor '", name, "': unsupported dtype '", std::string(dtype->string()),
            "' (supported: F32, F64, I64, BOOL)"));

  if (shape->kind() != json::Kind::Array) bad(cat("tensor '", name, "': shape must be an array"));
  if (shape->size() > 64)
    bad(cat("tensor '", name, "': too many dimensions (", shape->size(), ")"));
  for (const json::Value d : shape->elements()) {
    if (d.kind() != json::Kind::Number || !d.is_integer() || d.negative())
      bad(cat("tensor '", name, "': shape entries must be non-negative integers"));
    if (d.magnitude() > uint64_t(std::numeric_limits<int64_t>::max()))
      bad(cat("tensor '", name, "': dimension ", d.magnitude(), " is too large"));
    e.shape.push_back(int64_t(d.magnitude()));
  }
  // The element count, bounded by data_size (so never overflowing, nor its byte count), and the
  // extent (the product of the non-zero sizes), which bounds every stride: [0, 2^62, 2^62] holds
  // no bytes but has no representable strides.
  const bool empty = std::find(e.shape.begin(), e.shape.end(), 0) != e.shape.end();
  uint64_t numel = empty ? 0 : 1, extent = 1;
  for (int64_t d : e.shape) {
    if (!empty && numel > data_size / uint64_t(d))
      bad(cat("tensor '", name, "': shape ", shape_text(e.shape), " does not fit in the file"));
    if (!empty) numel *= uint64_t(d);
    const uint64_t ud = d > 0 ? uint64_t(d) : 1;
    if (extent > uint64_t(std::numeric_limits<int64_t>::max()) / ud)
      bad(cat("tensor '", name, "': shape ", shape_text(e.shape),
              " is too large (its strides overflow int64)"));
    extent *= ud;
  }

  if (offsets->kind() != json::Kind::Array || offsets->size() != 2)
    bad(cat("tensor '", name, "': data_offsets must be [begin, end]"));
  auto it = offsets->elements().begin();
  e.begin = as_offset(*it, name);
  e.end = as_offset(*++it, name);
  if (e.begin > e.end || e.end > data_size)
    bad(cat("tensor '", name, "': data_offsets [", e.begin, ", ", e.end,
            "] out of range for a data region of ", data_size, " bytes"));
  const uint64_t bytes = numel * element_size(e.dtype);
  if (e.end - e.begin != bytes)
    bad(cat("tensor '", name, "': shape ", shape_text(e.shape), " of ", dtype_tag(e.dtype),
            " needs ", bytes, " bytes, data_offsets give ", e.end - e.begin));
  return e;
}

struct Header {
  std::vector<Entry> entries;  // sorted by data offset, tiling [0, data_size) exactly
  std::map<std::string, std::string> metadata;
  uint64_t data_size = 0;
};

// Parses and validates a header. known_data_size: the data region's size when the file's size
// is known (then the tensors must cover exactly it).
Header parse_header(std::string_view text, std::optional<uint64_t> known_data_size) {
  const json::Document doc = json::parse(text);
  const json::Value root = doc.root();
  if (root.kind() != json::Kind::Object) bad("header is not a JSON object");
  // Without a known size (a pipe), a tensor may claim up to 2^46 bytes, Storage's limit.
  const uint64_t bound = known_data_size ? *known_data_size : uint64_t(1) << 46;

  Header h;
  h.entries.reserve(root.size());
  root.for_each_member([&](std::string_view key, const json::Value& info) {
    if (key == kMetadataKey) {
      if (info.kind() == json::Kind::Null) return;
      if (info.kind() != json::Kind::Object) bad("__metadata__ must be an object");
      info.for_each_member([&](std::string_view k, const json::Value& v) {
        if (v.kind() != json::Kind::String)
          bad(cat("__metadata__ value of '", std::string(k), "' is not a string"));
        h.metadata[std::string(k)] = std::string(v.string());
      });
      return;
    }
    h.entries.push_back(parse_entry(std::string(key), info, bound));
  });

  // The tensors' byte ranges must tile [0, data_size) exactly: no gaps, no overlaps.
  std::sort(h.entries.begin(), h.entries.end(), [](const Entry& a, const Entry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t expected = 0;
  for (const Entry& e : h.entries) {
    if (e.begin != expected)
      bad(cat("tensor '", e.name, "': data_offsets [", e.begin, ", ", e.end, "] ",
              e.begin < expected ? "overlap the previous tensor" : "leave a gap after byte ",
              e.begin < expected ? std::string() : cat(expected)));
    expected = e.end;
  }
  if (known_data_size && expected != *known_data_size)
    bad(cat("tensors cover ", expected, " bytes of a data region of ", *known_data_size, " bytes"));
  h.data_size = expected;
  return h;
}

// What a file that is not safetensors is, from its first bytes ("" when unrecognized).
std::string foreign_format(const char* p, size_t n) {
  if (n >= 4 && std::memcmp(p, "PK\x03\x04", 4) == 0)
    return "a zip archive, as PyTorch's torch.save writes (.pt, .pth, .bin checkpoints)";
  if (n >= 2 && static_cast<unsigned char>(p[0]) == 0x80 && p[1] >= 2 && p[1] <= 5)
    return "a Python pickle, as PyTorch's legacy torch.save writes";
  if (n >= 6 && std::memcmp(p, "\x93NUMPY", 6) == 0) return "a NumPy .npy array";
  return "";
}

[[noreturn]] void not_safetensors(const std::string& what, const std::string& format) {
  bad(cat(what, " is not a safetensors file: it looks like ", format,
          ". paragrad reads safetensors only; convert the checkpoint in Python, e.g.\n"
          "  import torch\n"
          "  from safetensors.torch import save_file\n"
          "  state = torch.load('model.pt', map_location='cpu')  # a dict of tensors "
          "(a whole model: model.state_dict())\n"
          "  save_file({k: v.detach().clone().contiguous() for k, v in state.items()}, "
          "'model.safetensors')"));
}

// A byte source: a string in memory or a file (regular, device or pipe).
class Source {
 public:
  virtual ~Source() = default;
  // Reads up to n bytes into dst; fewer only at the end.
  virtual size_t read(char* dst, size_t n) = 0;
  std::optional<uint64_t> size;  // total bytes, when known
  std::string what;              // for messages: "the data" or "'path'"
};

class BytesSource : public Source {
 public:
  explicit BytesSource(const std::string& bytes) : bytes_(bytes) {
    size = bytes.size();
    what = "the data";
  }
  size_t read(char* dst, size_t n) override {
    const size_t k = std::min(n, bytes_.size() - pos_);
    std::memcpy(dst, bytes_.data() + pos_, k);
    pos_ += k;
    return k;
  }

 private:
  const std::string& bytes_;
  size_t pos_ = 0;
};

class FileSource : public Source {
 public:
  FileSource(const std::string& path, std::optional<uint64_t> known_size)
      : f_(path, std::ios::binary), path_(path) {
    size = known_size;
    what = "'" + path + "'";
    check<Error>(bool(f_), "safetensors.load: cannot open '", path, "'");
  }
  size_t read(char* dst, size_t n) override {
    size_t got = 0;
    // In chunks: a stream is never asked for more than it has delivered plus 16 MB.
    while (got < n && f_) {
      const size_t chunk = std::min<size_t>(n - got, size_t(1) << 24);
      f_.read(dst + got, std::streamsize(chunk));
      got += size_t(f_.gcount());
    }
    check<Error>(!f_.bad(), "safetensors.load: reading '", path_, "' failed");
    return got;
  }

 private:
  std::ifstream f_;
  std::string path_;
};

// n bytes from src as a string, grown as they arrive (a stream that ends early costs only what
// it delivered).
std::string read_string(Source& src, size_t n) {
  std::string out;
  while (out.size() < n) {
    const size_t old = out.size(), chunk = std::min<size_t>(n - old, size_t(1) << 24);
    out.resize(old + chunk);
    const size_t got = src.read(&out[old], chunk);
    out.resize(old + got);
    if (got < chunk) break;
  }
  return out;
}

uint64_t read_u64_le(const char* p) {
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | uint64_t(static_cast<unsigned char>(p[i]));
  return n;
}

std::map<std::string, Tensor> load_source(Source& src,
                                          std::map<std::string, std::string>* metadata) {
  check<NotImplementedError>(little_endian_host(),
                             "safetensors: big-endian hosts are not supported");
  char prefix[8] = {};
  const size_t got = src.read(prefix, 8);
  // Checked where the prefix makes no sense as safetensors (so a valid file is never misread).
  auto if_foreign = [&] {
    const std::string format = foreign_format(prefix, got);
    if (!format.empty()) not_safetensors(src.what, format);
  };
  if (got < 8) {
    if_foreign();
    bad(cat("file of ", src.size ? *src.size : got, " bytes is too short for a header"));
  }
  const uint64_t n = read_u64_le(prefix);
  if (n > kMaxHeaderBytes) {
    if_foreign();
    bad(cat("header length ", n, " exceeds the limit of ", kMaxHeaderBytes));
  }
  if (src.size && n > *src.size - 8) {
    if_foreign();
    bad(cat("header length ", n, " exceeds the file size (", *src.size, " bytes)"));
  }
  std::string text = read_string(src, size_t(n));
  if (text.size() < n) {
    if_foreign();
    bad(cat("header length ", n, " exceeds the file size (", 8 + text.size(), " bytes)"));
  }
  if (text.empty() || text[0] != '{') if_foreign();

  const std::optional<uint64_t> known =
      src.size ? std::optional<uint64_t>(*src.size - 8 - n) : std::nullopt;
  const Header h = parse_header(text, known);
  text = std::string();

  // Valid: read the data region, tensor by tensor in file order, into fresh storage.
  std::map<std::string, Tensor> out;
  uint64_t at = 0;
  for (const Entry& e : h.entries) {
    Tensor t = empty(e.shape, e.dtype);
    const size_t nbytes = size_t(e.end - e.begin);
    char* dst = static_cast<char*>(t.impl()->raw_data());
    const size_t k = nbytes ? src.read(dst, nbytes) : 0;
    if (k < nbytes)
      bad(cat(src.what, " is truncated: its data region ends after ", at + k, " of the ",
              h.data_size, " bytes its header describes"));
    at += nbytes;
    if (e.dtype == kBool)
      for (size_t i = 0; i < nbytes; ++i)
        if (static_cast<unsigned char>(dst[i]) > 1)
          bad(cat("tensor '", e.name, "': BOOL byte ", int(static_cast<unsigned char>(dst[i])),
                  " is neither 0 nor 1"));
    out.emplace(e.name, std::move(t));
  }
  if (!src.size) {  // a stream must end where its header says
    char extra;
    if (src.read(&extra, 1) == 1)
      bad(cat(src.what, " continues past the ", h.data_size,
              " bytes of data its header describes (an endless device?)"));
  }
  if (metadata) *metadata = h.metadata;
  return out;
}

}  // namespace

std::string save_to_bytes(const std::map<std::string, Tensor>& tensors,
                          const std::map<std::string, std::string>& metadata) {
  check<NotImplementedError>(little_endian_host(),
                             "safetensors: big-endian hosts are not supported");
  // Data order as the python library: by dtype, descending in its enum order (I64, F64, F32,
  // BOOL), then by name.
  auto rank = [](Dtype d) {
    switch (d) {
      case Dtype::Int64:
        return 3;
      case Dtype::Float64:
        return 2;
      case Dtype::Float32:
        return 1;
      case Dtype::Bool:
        return 0;
    }
    return 0;
  };
  std::vector<std::pair<std::string, Tensor>> order;
  for (const auto& [name, t] : tensors) {
    check<ValueError>(name != kMetadataKey, "safetensors.save: '", kMetadataKey,
                      "' is reserved and cannot name a tensor");
    check<ValueError>(t.defined(), "safetensors.save: tensor '", name, "' is undefined");
    order.emplace_back(name, t.detach().contiguous());
  }
  std::stable_sort(order.begin(), order.end(), [&](const auto& a, const auto& b) {
    return rank(a.second.dtype()) > rank(b.second.dtype());
  });

  std::string header = "{";
  bool first = true;
  if (!metadata.empty()) {
    header += json::quote(kMetadataKey) + ":{";
    bool first_kv = true;
    for (const auto& [k, v] : metadata) {
      header += (first_kv ? "" : ",") + json::quote(k) + ":" + json::quote(v);
      first_kv = false;
    }
    header += "}";
    first = false;
  }
  uint64_t offset = 0;
  for (const auto& [name, t] : order) {
    const uint64_t bytes = uint64_t(t.numel()) * element_size(t.dtype());
    std::string shape = "[";
    for (int64_t i = 0; i < t.dim(); ++i) shape += cat(i ? "," : "", t.size(i));
    shape += "]";
    header += cat(first ? "" : ",", json::quote(name), ":{\"dtype\":\"", dtype_tag(t.dtype()),
                  "\",\"shape\":", shape, ",\"data_offsets\":[", offset, ",", offset + bytes, "]}");
    first = false;
    offset += bytes;
  }
  header += "}";
  while (header.size() % 8) header += ' ';  // the python library pads to 8 bytes

  std::string out;
  out.reserve(8 + header.size() + offset);
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out += char((n >> (8 * i)) & 0xFF);
  out += header;
  for (const auto& [name, t] : order) {
    (void)name;
    if (t.numel() > 0)
      out.append(static_cast<const char*>(t.impl()->raw_data()),
                 size_t(t.numel()) * element_size(t.dtype()));
  }
  return out;
}

void save(const std::map<std::string, Tensor>& tensors, const std::string& path,
          const std::map<std::string, std::string>& metadata) {
  const std::string bytes = save_to_bytes(tensors, metadata);
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  check<Error>(bool(f), "safetensors.save: cannot open '", path, "' for writing");
  f.write(bytes.data(), std::streamsize(bytes.size()));
  f.close();
  check<Error>(bool(f), "safetensors.save: writing '", path, "' failed");
}

std::map<std::string, Tensor> load_from_bytes(const std::string& bytes,
                                              std::map<std::string, std::string>* metadata) {
  BytesSource src(bytes);
  return load_source(src, metadata);
}

std::map<std::string, Tensor> load(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  check<Error>(!ec && fs::exists(st), "safetensors.load: cannot open '", path, "': no such file");
  check<Error>(!fs::is_directory(st), "safetensors.load: '", path,
               "' is a directory, not a safetensors file");
  std::optional<uint64_t> size;
  if (fs::is_regular_file(st)) {
    const uintmax_t n = fs::file_size(path, ec);
    check<Error>(!ec, "safetensors.load: cannot read the size of '", path, "'");
    size = uint64_t(n);
  }
  try {
    FileSource src(path, size);
    return load_source(src, nullptr);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {  // the standard library's own failures, as paragrad's
    throw Error(cat("safetensors.load: reading '", path, "' failed: ", e.what()));
  }
}

}  // namespace paragrad::serialize
