// Module::save / Module::load. They live here, not in module.cpp, so that the safetensors code is
// its own object file: a static binary that never saves or loads does not link it (checked by the
// `package_static_binary_without_serialize` test).
#include <paragrad/nn/module.hpp>
#include <paragrad/nn/serialize/safetensors.hpp>

namespace paragrad::nn {

void Module::save(const std::string& path) const { serialize::save(state_dict(), path); }

void Module::load(const std::string& path, bool strict) {
  load_state_dict(serialize::load(path), strict);
}

}  // namespace paragrad::nn
