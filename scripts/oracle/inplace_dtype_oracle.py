#!/usr/bin/python3
"""PyTorch 1.13's dtype rules for in-place ops, printed as the literals that
tests/engine/test_inplace_dtype.cpp checks. Run with Debian's /usr/bin/python3 (python3-torch).

Each case prints the result (values as float64 text, exact for float32) or the error PyTorch
raises; the test replays the same calls in paragrad.
"""
import torch

T = torch.tensor
f32, f64 = torch.float32, torch.float64


def show(name, fn):
    try:
        r = fn()
        vals = ", ".join(repr(float(v)) for v in r.flatten().tolist())
        print(f"{name}: {r.dtype} {{{vals}}}")
    except RuntimeError as e:
        print(f"{name}: error: {str(e).splitlines()[0]}")


# float32 += float64: computed in float64 and rounded once (1 + 2^-24 + 2^-50 rounds up to
# 1 + 2^-23; rounding the operand to float32 first gives a tie that rounds down to 1).
b = T([2.0**-24 + 2.0**-50, 0.1, -3.0], dtype=f64)
show("f32.add_(f64)", lambda: T([1.0, 0.2, 1.5], dtype=f32).add_(b))
show("f32 + f32(b)", lambda: T([1.0, 0.2, 1.5], dtype=f32) + b.float())
show("f32.add_(f64, alpha=3)", lambda: T([1.0, 0.2, 1.5], dtype=f32).add_(b, alpha=3))
show("f32.mul_(f64)", lambda: T([1.0 + 2.0**-23, 0.3, 7.0], dtype=f32).mul_(
    T([1.0 - 2.0**-30, 0.1, 1.0 / 3.0], dtype=f64)))
show("f32.add_(f64 0-d)", lambda: T([1.0, 0.2], dtype=f32).add_(T(2.0**-24 + 2.0**-50, dtype=f64)))
show("f64.add_(f32)", lambda: T([0.1, 0.2], dtype=f64).add_(T([0.1, 0.7], dtype=f32)))
show("i64.add_(bool)", lambda: T([1, 2, 3]).add_(T([True, False, True])))
show("i64.add_(f32)", lambda: T([1, 2, 3]).add_(T([1.0, 1.0, 1.0])))
show("i64.add_(f64 0-d)", lambda: T([1, 2, 3]).add_(T(1.0, dtype=f64)))
show("bool.add_(i64)", lambda: T([True, False]).add_(T([1, 2])))
show("bool.mul_(bool)", lambda: T([True, False]).mul_(T([True, True])))
show("bool.mul_(2)", lambda: T([True, False]).mul_(2))
show("i64.mul_(2.5)", lambda: T([1, 2, 3]).mul_(2.5))
show("i64.clamp_(0.5, 2.5)", lambda: T([0, 1, 3]).clamp_(0.5, 2.5))
show("i64.clamp_(3, 1)", lambda: T([0, 2, 5]).clamp_(3, 1))
show("f32.clamp_(3, 1)", lambda: T([0.0, 2.0, float("nan")], dtype=f32).clamp_(3, 1))
show("bool.clamp_(0, 1)", lambda: T([True, False]).clamp_(0, 1))
# div_ by a double divides (it does not multiply by the reciprocal, which differs in the last bit)
show("f32.div_(3)", lambda: T([1.0, 5.0, 7.0, 10.0], dtype=f32).div_(3.0))
show("f32 * f32(1/3)", lambda: T([1.0, 5.0, 7.0, 10.0], dtype=f32) * T(1.0 / 3.0, dtype=f32))
