#pragma once
// Name -> tensor maps in the safetensors format (https://github.com/huggingface/safetensors):
// an 8-byte little-endian header length N, N bytes of JSON
// {"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...,
//  "__metadata__": {"key": "value"}}, then the raw little-endian data. No code is executed on
// load; every field is validated before any data is read, so a malformed or hostile file
// raises paragrad::Error and never reads out of bounds or allocates absurd sizes.
#include <cstdint>
#include <map>
#include <string>

#include <paragrad/engine/export.hpp>
#include <paragrad/engine/tensor.hpp>

PARAGRAD_API_BEGIN

namespace paragrad::serialize {

// Keys are written sorted (as the python library does); dtypes F32, F64, I64, BOOL.
void save(const std::map<std::string, Tensor>& tensors, const std::string& path,
          const std::map<std::string, std::string>& metadata = {});
std::map<std::string, Tensor> load(const std::string& path);
// The same on an in-memory image of a file.
std::string save_to_bytes(const std::map<std::string, Tensor>& tensors,
                          const std::map<std::string, std::string>& metadata = {});
std::map<std::string, Tensor> load_from_bytes(
    const std::string& bytes, std::map<std::string, std::string>* metadata = nullptr);

// Headers larger than this are rejected (the python library uses 100 MB).
inline constexpr uint64_t kMaxHeaderBytes = 100'000'000;

}  // namespace paragrad::serialize

PARAGRAD_API_END
