#!/usr/bin/env python3
"""Expected values for tests/engine/test_bad_input_*.cpp (issue 12), from PyTorch 1.13.

Run with Debian's /usr/bin/python3 (python3-torch) and paste the output into
tests/engine/hostile_oracle.hpp. Two kinds of facts:
  - int64 arithmetic that overflows: PyTorch wraps (two's complement); paragrad must too;
  - double -> element conversions: which ones PyTorch refuses ("value cannot be converted to
    type ... without overflow"), which it performs, and with what result.
"""
import torch

P62 = 2 ** 62


def const(name, value):
    print(f"inline constexpr int64_t {name} = {int(value)}LL;" if value != -2**63 else
          f"inline constexpr int64_t {name} = INT64_MIN;")


def raises(f):
    try:
        f()
    except (RuntimeError, ValueError, OverflowError):
        return True
    return False


def flag(name, value):
    print(f"inline constexpr bool {name} = {'true' if value else 'false'};")


print("// int64 overflow wraps (PyTorch 1.13)")
i64 = torch.int64
const("kMulP62By4", (torch.tensor([P62]) * torch.tensor([4])).item())
const("kMaxPlusOne", (torch.tensor([2**63 - 1]) + torch.tensor([1])).item())
const("kNegMin", (-torch.tensor([-2**63])).item())
const("kAbsMin", torch.tensor([-2**63]).abs().item())
const("kSumThreeP62", torch.tensor([P62, P62, P62]).sum().item())
const("kProdP62And4", torch.tensor([P62, 4]).prod().item())
const("kPow2e40Squared", torch.tensor([2**40]).pow(2).item())
const("kSquare2e40", torch.tensor([2**40]).square().item())
const("kPow3To100", torch.tensor([3]).pow(100).item())
const("kPow3To2e62", torch.tensor([3]).pow(P62).item())
const("kMatmulP62By4", (torch.tensor([[P62]]) @ torch.tensor([[4]])).item())
const("kScatterAddTwoP62", torch.tensor([P62]).scatter_add(
    0, torch.tensor([0, 0]), torch.tensor([P62, P62])).item())
const("kScalarMulP62By4", (torch.tensor([4]) * P62).item())
x = torch.tensor([P62])
x.add_(torch.tensor([P62]), alpha=2)
const("kAddAlphaP62", x.item())

print("// double -> element conversions (true: PyTorch raises)")
nan, inf = float("nan"), float("inf")
flag("kFullNanInt64Raises", raises(lambda: torch.full((2,), nan, dtype=i64)))
flag("kFullInfInt64Raises", raises(lambda: torch.full((2,), inf, dtype=i64)))
flag("kScalar1e300Int64Raises", raises(lambda: torch.scalar_tensor(1e300, dtype=i64)))
flag("kFull1e300Float32Raises", raises(lambda: torch.full((1,), 1e300)))
flag("kFullInfFloat32Raises", raises(lambda: torch.full((1,), inf)))
flag("kTensorNanInt64Raises", raises(lambda: torch.tensor([nan], dtype=i64)))
const("kTensor2p7Int64", torch.tensor([2.7], dtype=i64).item())
const("kTensorMinus2p7Int64", torch.tensor([-2.7], dtype=i64).item())
flag("kTensor1e300Float32IsInf", torch.tensor([1e300], dtype=torch.float32).item() == inf)
flag("kTensorNanBoolIsTrue", bool(torch.tensor([nan], dtype=torch.bool).item()))
flag("kFillNanInt64Raises", raises(lambda: torch.ones(2, dtype=i64).fill_(nan)))
flag("kMaskedFill1e300Int64Raises", raises(
    lambda: torch.ones(1, dtype=i64).masked_fill(torch.tensor([True]), 1e300)))
flag("kMul1e300Float32IsInf", torch.ones(1).mul_(1e300).item() == inf)
flag("kInt64Times1e30IsFloat32", (torch.tensor([2]) * 1e30).dtype == torch.float32)
flag("kArangeNanInt64Raises", raises(lambda: torch.arange(0, nan, dtype=i64)))
flag("kLinspace1e300Int64Raises", raises(lambda: torch.linspace(0, 1e300, 3, dtype=i64)))
flag("kClampFloat32By1e300Raises", raises(lambda: torch.ones(2).clamp(-1e300, 1e300)))
print("// PyTorch converts NaN to int64 in to()/copy_ without a check (INT64_MIN on x86):")
print("// paragrad raises there instead.")
const("kTorchToNanInt64", torch.tensor([nan]).to(i64).item())
