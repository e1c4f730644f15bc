#!/usr/bin/env python3
"""Expected values for tests/engine, computed with PyTorch 1.13 (Debian python3-torch).

The engine tests never import PyTorch: they hold these outputs as literals. Re-run this
script (python3 scripts/oracle/engine_oracle.py) and paste what it prints when a case is
added. Each case prints the paragrad expression it mirrors and PyTorch's answer.
"""
import json

import torch


def cxx_string(s):
    """A C++ string literal for s (newlines as \\n)."""
    return json.dumps(s)


def show(label, value):
    print(f"// {label}")
    print(cxx_string(str(value)))


def printing():
    print("// ---- printing (tests/engine/test_print.cpp)")
    f64 = torch.float64
    show("tensor({1, 2})", torch.tensor([1.0, 2.0]))
    show("tensor({{1.5, 2}, {3, 4}})", torch.tensor([[1.5, 2.0], [3.0, 4.0]]))
    show("tensor({-1.5, 2.25}, kFloat64)", torch.tensor([-1.5, 2.25], dtype=f64))
    show("tensor({1, 2}, kFloat64).requires_grad_()",
         torch.tensor([1.0, 2.0], dtype=f64, requires_grad=True))
    x = torch.tensor([1.0, 2.0], dtype=f64, requires_grad=True)
    show("x * x, x float64 requiring grad", x * x)
    y = torch.tensor([[1.5, 2.0], [3.0, 4.0]], requires_grad=True)
    show("y * 2.0, y float32 2-d requiring grad", y * 2.0)
    show("tensor({1, -20, 300}, kInt64)", torch.tensor([1, -20, 300]))
    show("tensor({{1, 2}, {30, 4}}, kInt64)", torch.tensor([[1, 2], [30, 4]]))
    show("tensor({1, 0, 1}, kBool)", torch.tensor([True, False, True]))
    show("scalar(1.5)", torch.tensor(1.5))
    show("scalar(3)", torch.tensor(3.0))
    show("scalar(-2, kInt64)", torch.tensor(-2))
    show("scalar(2.5, kFloat64)", torch.tensor(2.5, dtype=f64))
    show("arange(0, 8).reshape({2, 2, 2})", torch.arange(0, 8).float().reshape(2, 2, 2))
    show("zeros({0})", torch.zeros(0))
    show("zeros({0, 3})", torch.zeros(0, 3))
    show("zeros({0, 3}, kInt64)", torch.zeros(0, 3, dtype=torch.int64))
    show("zeros({0}, kFloat64)", torch.zeros(0, dtype=f64))
    show("zeros({0}, kBool)", torch.zeros(0, dtype=torch.bool))
    show("tensor({1e-5, 1})", torch.tensor([1e-5, 1.0]))
    show("tensor({1, 10000})", torch.tensor([1.0, 10000.0]))
    show("tensor({1, 1000})", torch.tensor([1.0, 1000.0]))
    show("tensor({1e8})", torch.tensor([1e8]))
    show("tensor({1.5e8})", torch.tensor([1.5e8]))
    show("tensor({0.5, 1e9}, kFloat64)", torch.tensor([0.5, 1e9], dtype=f64))
    show("tensor({1.5, nan})", torch.tensor([1.5, float("nan")]))
    show("tensor({1, inf})", torch.tensor([1.0, float("inf")]))
    show("tensor({-inf, nan, 2.5})", torch.tensor([float("-inf"), float("nan"), 2.5]))
    show("tensor({0, 0})", torch.tensor([0.0, 0.0]))
    show("tensor({nan})", torch.tensor([float("nan")]))
    show("tensor({0.1, 0.25})", torch.tensor([0.1, 0.25]))
    show("arange(0, 30)", torch.arange(0, 30).float())
    show("arange(0, 30) * 1.5 (2-d 3x10)", (torch.arange(0, 30).float() * 1.5).reshape(3, 10))
    show("arange(0, 1001)", torch.arange(0, 1001).float())
    show("arange(0, 2000, 1, kInt64)", torch.arange(0, 2000))
    show("ones({40, 40})", torch.ones(40, 40))
    show("arange(0, 2000).reshape({2, 10, 100})", torch.arange(0, 2000).float().reshape(2, 10, 100))
    z = torch.arange(0, 12, dtype=f64).reshape(2, 6).mul(1.25).requires_grad_()
    show("arange(0, 12, 1, kFloat64).reshape({2, 6}) * 1.25 leaf * 3.0", z * 3.0)
    show("arange(0, 9, 1, kFloat64) * 1.25 + 0.001 requiring grad",
         torch.arange(0, 9, dtype=f64).mul(1.25).add(0.001).requires_grad_())


def values():
    print("// ---- op values")
    x = torch.tensor([-1.5, -0.25, 0.0, 0.75, 2.0], dtype=torch.float64)
    for name in ["sigmoid", "tanh"]:
        print(f"// {name}", getattr(x, name)().tolist())
    print("// softplus", torch.nn.functional.softplus(x).tolist())
    big = torch.tensor([[1000.0, 1000.0, 999.0], [-1000.0, 0.0, 1000.0]])
    print("// softmax(1)", big.softmax(1).tolist())
    print("// log_softmax(1)", big.log_softmax(1).tolist())


if __name__ == "__main__":
    printing()
    values()
