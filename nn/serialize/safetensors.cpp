// safetensors files. Load validates the whole header (length, JSON, dtypes, shapes, offsets
// tiling the data region exactly) before reading a single data byte, and every allocation is
// bounded by the file's own size.
#include <paragrad/nn/serialize/safetensors.hpp>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
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

bool parse_dtype_tag(const std::string& s, Dtype& d) {
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
  if (v.kind != json::Value::Kind::Number || !v.is_integer || v.negative)
    bad(cat("tensor '", name, "': data_offsets must be non-negative integers"));
  return v.magnitude;
}

Entry parse_entry(const std::string& name, const json::Value& info, uint64_t data_size) {
  if (info.kind != json::Value::Kind::Object)
    bad(cat("tensor '", name, "': entry is not an object"));
  const json::Value *dtype = nullptr, *shape = nullptr, *offsets = nullptr;
  for (const auto& [k, v] : info.object) {
    if (k == "dtype")
      dtype = &v;
    else if (k == "shape")
      shape = &v;
    else if (k == "data_offsets")
      offsets = &v;
    else
      bad(cat("tensor '", name, "': unknown field '", k, "'"));
  }
  if (!dtype || !shape || !offsets)
    bad(cat("tensor '", name, "': needs dtype, shape and data_offsets"));

  Entry e{name, kFloat32, {}, 0, 0};
  if (dtype->kind != json::Value::Kind::String)
    bad(cat("tensor '", name, "': dtype must be a string"));
  if (!parse_dtype_tag(dtype->string, e.dtype))
    bad(cat("tensor '", name, "': unsupported dtype '", dtype->string,
            "' (supported: F32, F64, I64, BOOL)"));

  if (shape->kind != json::Value::Kind::Array)
    bad(cat("tensor '", name, "': shape must be an array"));
  // numel * element size is bounded by the data region, so it never overflows past that.
  uint64_t numel = 1;
  bool zero = false;
  for (const auto& d : shape->array) {
    if (d.kind != json::Value::Kind::Number || !d.is_integer || d.negative)
      bad(cat("tensor '", name, "': shape entries must be non-negative integers"));
    if (d.magnitude > uint64_t(std::numeric_limits<int64_t>::max()))
      bad(cat("tensor '", name, "': dimension ", d.magnitude, " is too large"));
    e.shape.push_back(int64_t(d.magnitude));
    if (d.magnitude == 0) zero = true;
  }
  if (e.shape.size() > 64)
    bad(cat("tensor '", name, "': too many dimensions (", e.shape.size(), ")"));
  if (!zero) {
    for (int64_t d : e.shape) {
      if (numel > data_size / uint64_t(d))
        bad(cat("tensor '", name, "': shape ", shape_str(Dims(e.shape.begin(), e.shape.end())),
                " does not fit in the file"));
      numel *= uint64_t(d);
    }
  } else {
    numel = 0;
  }

  if (offsets->kind != json::Value::Kind::Array || offsets->array.size() != 2)
    bad(cat("tensor '", name, "': data_offsets must be [begin, end]"));
  e.begin = as_offset(offsets->array[0], name);
  e.end = as_offset(offsets->array[1], name);
  if (e.begin > e.end || e.end > data_size)
    bad(cat("tensor '", name, "': data_offsets [", e.begin, ", ", e.end,
            "] out of range for a data region of ", data_size, " bytes"));
  const uint64_t expected = numel * element_size(e.dtype);
  if (e.end - e.begin != expected)
    bad(cat("tensor '", name, "': shape ", shape_str(Dims(e.shape.begin(), e.shape.end())), " of ",
            dtype_tag(e.dtype), " needs ", expected, " bytes, data_offsets give ",
            e.end - e.begin));
  return e;
}

uint64_t read_u64_le(const std::string& bytes) {
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i)
    n = (n << 8) | uint64_t(static_cast<unsigned char>(bytes[size_t(i)]));
  return n;
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
  check<NotImplementedError>(little_endian_host(),
                             "safetensors: big-endian hosts are not supported");
  if (bytes.size() < 8) bad(cat("file of ", bytes.size(), " bytes is too short for a header"));
  const uint64_t n = read_u64_le(bytes);
  if (n > kMaxHeaderBytes) bad(cat("header length ", n, " exceeds the limit of ", kMaxHeaderBytes));
  if (n > bytes.size() - 8)
    bad(cat("header length ", n, " exceeds the file size (", bytes.size(), " bytes)"));
  const uint64_t data_size = bytes.size() - 8 - n;

  const json::Value root = json::parse(bytes.substr(8, size_t(n)));
  if (root.kind != json::Value::Kind::Object) bad("header is not a JSON object");

  std::vector<Entry> entries;
  std::map<std::string, std::string> meta;
  for (const auto& [name, info] : root.object) {
    if (name == kMetadataKey) {
      if (info.kind == json::Value::Kind::Null) continue;
      if (info.kind != json::Value::Kind::Object) bad("__metadata__ must be an object");
      for (const auto& [k, v] : info.object) {
        if (v.kind != json::Value::Kind::String)
          bad(cat("__metadata__ value of '", k, "' is not a string"));
        meta[k] = v.string;
      }
      continue;
    }
    entries.push_back(parse_entry(name, info, data_size));
  }

  // The tensors' byte ranges must tile [0, data_size) exactly: no gaps, no overlaps.
  std::vector<const Entry*> by_offset;
  for (const auto& e : entries) by_offset.push_back(&e);
  std::sort(by_offset.begin(), by_offset.end(), [](const Entry* a, const Entry* b) {
    return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
  });
  uint64_t expected = 0;
  for (const Entry* e : by_offset) {
    if (e->begin != expected)
      bad(cat("tensor '", e->name, "': data_offsets [", e->begin, ", ", e->end, "] ",
              e->begin < expected ? "overlap the previous tensor" : "leave a gap after byte ",
              e->begin < expected ? std::string() : cat(expected)));
    expected = e->end;
  }
  if (expected != data_size)
    bad(cat("tensors cover ", expected, " bytes of a data region of ", data_size, " bytes"));

  // Everything is valid: copy the data.
  const char* data = bytes.data() + 8 + n;
  std::map<std::string, Tensor> out;
  for (const auto& e : entries) {
    Tensor t = empty(e.shape, e.dtype);
    const size_t nbytes = size_t(e.end - e.begin);
    if (e.dtype == kBool) {
      for (size_t i = 0; i < nbytes; ++i) {
        const unsigned char b = static_cast<unsigned char>(data[e.begin + i]);
        if (b > 1) bad(cat("tensor '", e.name, "': BOOL byte ", int(b), " is neither 0 nor 1"));
      }
    }
    if (nbytes) std::memcpy(t.impl()->raw_data(), data + e.begin, nbytes);
    out.emplace(e.name, t);
  }
  if (metadata) *metadata = std::move(meta);
  return out;
}

std::map<std::string, Tensor> load(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  check<Error>(bool(f), "safetensors.load: cannot open '", path, "'");
  std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  check<Error>(!f.bad(), "safetensors.load: reading '", path, "' failed");
  return load_from_bytes(bytes);
}

}  // namespace paragrad::serialize
