// The control of `package_static_binary_without_serialize`: the same kind of program, but it saves
// its module, so the serialization code must be linked (proves the nm check can see it).
#include <cstdio>
#include <string>

#include <paragrad/nn/nn.hpp>

int main(int argc, char** argv) {
  using namespace paragrad;
  nn::Linear layer(2, 2);
  if (argc > 1) layer.save(std::string(argv[1]) + "/hello_save.safetensors");
  std::puts("ok");
  return 0;
}
