// A state_dict saved here loads into PyTorch's own module under the same keys. Needs
// /usr/bin/python3 with torch; uses the safetensors package when installed, else a minimal
// reader of the format (json + torch.frombuffer). Skipped (CTest shows it skipped) without torch.
#include <catch2/catch.hpp>

#include "skip.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include <paragrad/nn/nn.hpp>

using namespace paragrad;

namespace {
bool python_has_torch() {
  return std::system("/usr/bin/python3 -c 'import torch' > /dev/null 2>&1") == 0;
}
}  // namespace

TEST_CASE("a saved Linear state_dict loads in PyTorch's nn.Linear") {
  if (!python_has_torch()) PARAGRAD_SKIP("/usr/bin/python3 with torch is not available");
  const std::string path = "paragrad_interop_linear.safetensors";
  const std::string script = "paragrad_interop_check.py";
  nn::Linear lin(3, 2);
  lin.set("weight", tensor({{1, 2, 3}, {4, 5, 6}}));
  lin.set("bias", tensor({-1, 0.5}));
  lin.save(path);
  std::ofstream(script) << R"PY(
import json, struct, sys, torch
path = sys.argv[1]
try:
    from safetensors.torch import load_file
    sd = load_file(path)
    how = "safetensors"
except ImportError:
    data = open(path, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    header.pop("__metadata__", None)
    dtypes = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64, "BOOL": torch.bool}
    sd = {}
    for k, v in header.items():
        b, e = v["data_offsets"]
        buf = bytearray(data[8 + n + b:8 + n + e])
        sd[k] = torch.frombuffer(buf, dtype=dtypes[v["dtype"]]).reshape(v["shape"])
    how = "minimal reader"
m = torch.nn.Linear(3, 2)
m.load_state_dict(sd, strict=True)
assert torch.equal(m.weight, torch.tensor([[1., 2, 3], [4, 5, 6]]))
assert torch.equal(m.bias, torch.tensor([-1., 0.5]))
print("loaded in PyTorch via", how)
)PY";
  const int rc = std::system(("/usr/bin/python3 " + script + " " + path).c_str());
  std::remove(path.c_str());
  std::remove(script.c_str());
  CHECK(rc == 0);
}
