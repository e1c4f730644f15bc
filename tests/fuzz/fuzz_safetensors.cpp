// libFuzzer target: serialize::load_from_bytes on arbitrary bytes (the safetensors loader, its
// header validation and its JSON parser). Any input must either load or raise paragrad::Error;
// a crash, a sanitizer report, another exception or a leak fails. A file that loads must save
// back to bytes that load to the same tensors.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <paragrad/nn/serialize/safetensors.hpp>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace paragrad;
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  std::map<std::string, Tensor> loaded;
  std::map<std::string, std::string> metadata;
  try {
    loaded = serialize::load_from_bytes(bytes, &metadata);
  } catch (const Error&) {
    return 0;  // refused cleanly
  }
  // Round trip: what loaded is saved and loads again, equal.
  const auto again = serialize::load_from_bytes(serialize::save_to_bytes(loaded, metadata));
  if (again.size() != loaded.size()) std::abort();
  for (const auto& [name, t] : loaded) {
    const Tensor& u = again.at(name);
    if (u.dtype() != t.dtype() || u.sizes() != t.sizes()) std::abort();
    const std::vector<double> a = t.tolist(), b = u.tolist();
    for (size_t i = 0; i < a.size(); ++i)
      if (!(a[i] == b[i] || (a[i] != a[i] && b[i] != b[i]))) std::abort();
  }
  return 0;
}
