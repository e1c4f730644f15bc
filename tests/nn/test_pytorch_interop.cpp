// A state_dict saved here loads into PyTorch's own modules under the same keys, and the loaded
// model computes the same output. Needs /usr/bin/python3 with torch; uses the safetensors package
// when installed, else a minimal reader of the format (json + torch.frombuffer). Without torch
// the cases are reported to CTest as skipped.
#include <catch2/catch.hpp>

#include "skip.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include <paragrad/nn/nn.hpp>

#include "skip.hpp"

using namespace paragrad;

namespace {
bool python_has_torch() {
  return std::system("/usr/bin/python3 -c 'import torch' > /dev/null 2>&1") == 0;
}

// Python: load_file(path) -> dict of tensors, with or without the safetensors package.
const char* kLoader = R"PY(
import json, struct, sys, torch
def load_file(path):
    try:
        from safetensors.torch import load_file as lf
        return lf(path)
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
        return sd
)PY";

// Python: the ConvBnLstm model below, written in PyTorch.
const char* kModel = R"PY(
nn = torch.nn
class ConvBnLstm(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, 1, 1)
        self.bn = nn.BatchNorm2d(4)
        self.lstm = nn.LSTM(12, 5, 2, batch_first=True)
        self.head = nn.Linear(5, 3)
    def forward(self, x):
        y = torch.nn.functional.max_pool2d(self.bn(self.conv(x)).relu(), 2)
        y = y.permute(0, 3, 1, 2).reshape(y.shape[0], 3, 12)
        out, _ = self.lstm(y)
        return self.head(out[:, 2])
)PY";

// Python: save_file(dict of tensors, path) in the safetensors format, without the package.
const char* kWriter = R"PY(
def save_file(tensors, path):
    names = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64"}
    header, blobs, offset = {}, [], 0
    for k, t in tensors.items():
        b = t.detach().contiguous().numpy().tobytes()
        header[k] = {"dtype": names[t.dtype], "shape": list(t.shape),
                     "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
)PY";

int run_python(const std::string& body, const std::vector<std::string>& args) {
  // named after the first file, so that test cases ctest runs in parallel do not share it
  const std::string script = args.at(0) + ".check.py";
  std::ofstream(script) << kLoader << body;
  std::string cmd = "/usr/bin/python3 " + script;
  for (const auto& a : args) cmd += " " + a;
  const int rc = std::system(cmd.c_str());
  std::remove(script.c_str());
  return rc;
}

// conv -> batchnorm -> relu -> max pool, the columns as a sequence into a 2-layer LSTM, a
// linear head on the last step. The same module is written in Python below.
struct ConvBnLstm : nn::Module {
  std::shared_ptr<nn::Conv2d> conv =
      register_module("conv", std::make_shared<nn::Conv2d>(1, 4, 3, 1, 1));
  std::shared_ptr<nn::BatchNorm2d> bn = register_module("bn", std::make_shared<nn::BatchNorm2d>(4));
  std::shared_ptr<nn::LSTM> lstm =
      register_module("lstm", std::make_shared<nn::LSTM>(12, 5, 2, true, true));
  std::shared_ptr<nn::Linear> head = register_module("head", std::make_shared<nn::Linear>(5, 3));
  Tensor forward(const Tensor& x) override {
    Tensor y = nn::functional::max_pool2d((*bn)((*conv)(x)).relu(), 2);  // [N, 4, 3, 3]
    const int64_t N = y.size(0);
    y = y.permute({0, 3, 1, 2}).reshape({N, 3, 12});  // width as time
    Tensor out = std::get<0>((*lstm)(y));
    return (*head)(out.select(1, 2));
  }
};
}  // namespace

TEST_CASE("a saved Linear state_dict loads in PyTorch's nn.Linear") {
  if (!python_has_torch()) PARAGRAD_SKIP("/usr/bin/python3 with torch is not available");
  const std::string path = "paragrad_interop_linear.safetensors";
  nn::Linear lin(3, 2);
  lin.set("weight", tensor({{1, 2, 3}, {4, 5, 6}}));
  lin.set("bias", tensor({-1, 0.5}));
  lin.save(path);
  const int rc = run_python(R"PY(
sd = load_file(sys.argv[1])
m = torch.nn.Linear(3, 2)
m.load_state_dict(sd, strict=True)
assert torch.equal(m.weight, torch.tensor([[1., 2, 3], [4, 5, 6]]))
assert torch.equal(m.bias, torch.tensor([-1., 0.5]))
)PY",
                            {path});
  std::remove(path.c_str());
  CHECK(rc == 0);
}

TEST_CASE("a conv, batchnorm and LSTM model saved here loads in PyTorch with the same output") {
  if (!python_has_torch()) PARAGRAD_SKIP("/usr/bin/python3 with torch is not available");
  manual_seed(17);
  ConvBnLstm model;
  const Tensor x = randn({4, 1, 6, 6});
  {  // two training steps: weights and running statistics move away from their defaults
    optim::SGD opt(model.parameters(), 0.1);
    for (int i = 0; i < 2; ++i) {
      opt.zero_grad();
      model(x).square().mean().backward();
      opt.step();
    }
  }
  model.eval();
  const Tensor y = model(x);
  const std::string state = "paragrad_interop_model.safetensors";
  const std::string io = "paragrad_interop_io.safetensors";
  model.save(state);
  serialize::save({{"x", x}, {"y", y}}, io);
  const int rc = run_python(std::string(kModel) + R"PY(
sd = load_file(sys.argv[1])
io = load_file(sys.argv[2])
m = ConvBnLstm()
expected = set(m.state_dict().keys())
assert set(sd.keys()) == expected, sorted(set(sd.keys()) ^ expected)
m.load_state_dict(sd, strict=True)
assert m.bn.num_batches_tracked.item() == 2
m.eval()
with torch.no_grad():
    y = m(io["x"])
err = (y - io["y"]).abs().max().item()
assert err < 1e-5, err
print("PyTorch reproduces the paragrad model's output; max abs difference", err)
)PY",
                            {state, io});
  std::remove(state.c_str());
  std::remove(io.c_str());
  CHECK(rc == 0);
}

TEST_CASE("a conv, batchnorm and LSTM model written by PyTorch loads here with the same output") {
  if (!python_has_torch()) PARAGRAD_SKIP("/usr/bin/python3 with torch is not available");
  const std::string state = "paragrad_interop_from_torch.safetensors";
  const std::string io = "paragrad_interop_from_torch_io.safetensors";
  const int rc = run_python(std::string(kModel) + kWriter + R"PY(
torch.manual_seed(5)
m = ConvBnLstm()
x = torch.randn(4, 1, 6, 6)
opt = torch.optim.SGD(m.parameters(), lr=0.1)
for _ in range(3):  # weights and running statistics away from their defaults
    opt.zero_grad()
    m(x).square().mean().backward()
    opt.step()
m.eval()
with torch.no_grad():
    y = m(x)
save_file(m.state_dict(), sys.argv[1])
save_file({"x": x, "y": y}, sys.argv[2])
)PY",
                            {state, io});
  REQUIRE(rc == 0);
  ConvBnLstm model;
  model.load_state_dict(serialize::load(state), true);  // strict: PyTorch's keys, all of them
  const auto data = serialize::load(io);
  std::remove(state.c_str());
  std::remove(io.c_str());
  CHECK(model.get("bn.num_batches_tracked").item<int64_t>() == 3);
  model.eval();
  const Tensor y = model(data.at("x"));
  CHECK(allclose(y, data.at("y"), 1e-5, 1e-6));
  // in training mode the batch statistics differ from the running ones: the output changes
  model.train();
  CHECK_FALSE(allclose(model(data.at("x")), data.at("y"), 1e-5, 1e-6));
}
