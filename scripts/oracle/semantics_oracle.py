#!/usr/bin/python3
"""PyTorch 1.13's answers for the engine's dtype, value and zero-size rules (tests/engine).

Run offline:
    /usr/bin/python3 scripts/oracle/semantics_oracle.py > tests/engine/semantics_oracle.hpp

Every case is an op name (the C++ test holds the same name in its op table,
tests/engine/test_semantics_oracle.cpp) applied to inputs given as specs "dtype:shape:fill":
dtype f32/f64/i64/b8, shape comma-separated (empty: 0-d), fill one of the deterministic value
patterns below (tests/oracle_cases.hpp builds the same tensors). Each case records whether
PyTorch raises, and otherwise the result's dtype, shape and values (float64, flattened), and
for float64 inputs the gradient of sum(result) with respect to each input.
"""
import itertools
import math

import torch

DTYPES = {"f32": torch.float32, "f64": torch.float64, "i64": torch.int64, "b8": torch.bool}
NAMES = {v: k for k, v in DTYPES.items()}
SPECIALS = [math.nan, 1.5, -math.inf, 0.0, math.inf, -2.0, 2.0]


def fill_value(fill, dtype, k):
    """Element k (row-major) of the pattern `fill` in dtype (mirrored in tests/oracle_cases.hpp)."""
    floating = dtype in ("f32", "f64")
    if fill == "a":
        if dtype == "b8":
            return (k * 5 + 3) % 3 != 0
        v = (k * 5 + 3) % 11 - 5
        return v * 0.375 if floating else v
    if fill == "b":
        if dtype == "b8":
            return (k * 3 + 7) % 2 == 0
        v = (k * 3 + 7) % 7 - 2
        return v * 0.5 if floating else v
    if fill == "p":  # positive
        if dtype == "b8":
            return True
        return ((k * 5 + 3) % 11 + 1) * 0.25 if floating else (k * 5 + 3) % 5 + 1
    if fill == "n":  # NaN, infinities, zero (floating only)
        return SPECIALS[k % len(SPECIALS)]
    if fill == "t":  # ties
        return [1, 3, 3, 0, 3, 1][k % 6]
    if fill == "u":  # ties with "t" at some positions
        return [1, 2, 3, 3, 0, 1][k % 6]
    raise ValueError(fill)


def make(spec):
    dtype, shape, fill = spec.split(":")
    shape = [int(s) for s in shape.split(",")] if shape else []
    n = math.prod(shape)
    vals = [fill_value(fill, dtype, k) for k in range(n)]
    return torch.tensor(vals, dtype=DTYPES[dtype]).reshape(shape)


# ---- the ops (the C++ table in test_semantics_oracle.cpp has the same names) ---------------
def f_softplus(x):
    return torch.nn.functional.softplus(x)


UNARY = {
    "exp": torch.exp, "log": torch.log, "sqrt": torch.sqrt, "rsqrt": torch.rsqrt,
    "abs": torch.abs, "sign": torch.sign, "sin": torch.sin, "cos": torch.cos,
    "tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu, "neg": torch.neg,
    "square": torch.square, "reciprocal": torch.reciprocal, "log1p": torch.log1p,
    "expm1": torch.expm1, "softplus": f_softplus, "logical_not": torch.logical_not,
    "isnan": torch.isnan, "isfinite": torch.isfinite,
}

BINARY = {
    "add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div,
    "maximum": torch.maximum, "minimum": torch.minimum, "atan2": torch.atan2, "pow": torch.pow,
    "lt": torch.lt, "le": torch.le, "gt": torch.gt, "ge": torch.ge, "eq": torch.eq, "ne": torch.ne,
    "logical_and": torch.logical_and, "logical_or": torch.logical_or,
    "where": lambda a, b: torch.where(make("b8:3:a"), a, b),
    "cat": lambda a, b: torch.cat([a, b]),
    "matmul": torch.matmul,
}

# tensor (op) double; the doubles are chosen integral (act as Python ints) or not (floats).
SCALAR = {
    "add_2": lambda a: a + 2, "add_2.5": lambda a: a + 2.5, "sub_2": lambda a: a - 2,
    "rsub_2.5": lambda a: 2.5 - a, "mul_3": lambda a: a * 3, "mul_0.5": lambda a: a * 0.5,
    "div_2": lambda a: a / 2, "rdiv_2": lambda a: 2 / a, "mul_1e20": lambda a: a * 1e20,
    "pow_2": lambda a: a.pow(2), "pow_0": lambda a: a.pow(0), "pow_2.5": lambda a: a.pow(2.5),
    "pow_-1": lambda a: a.pow(-1), "pow_-0.5": lambda a: a.pow(-0.5),
    "clamp_0.5_2.5": lambda a: a.clamp(0.5, 2.5), "clamp_0_2": lambda a: a.clamp(0, 2),
    "clamp_2_-1": lambda a: a.clamp(2, -1), "clamp_min_0.25": lambda a: a.clamp_min(0.25),
    "clamp_max_1": lambda a: a.clamp_max(1), "clamp_min_-1": lambda a: a.clamp(min=-1),
    "lt_2.0000001": lambda a: a < 2.0000001, "ge_1": lambda a: a >= 1,
    "gt_0.5": lambda a: a > 0.5, "le_-0.75": lambda a: a <= -0.75,
}

REDUCE = {
    "sum": lambda x: x.sum(), "sum_0": lambda x: x.sum(0), "sum_-1_keep": lambda x: x.sum(-1, True),
    "mean": lambda x: x.mean(), "mean_0": lambda x: x.mean(0), "prod": lambda x: x.prod(),
    "max": lambda x: x.max(), "min": lambda x: x.min(),
    "amax_0": lambda x: x.amax(0), "amax_-1": lambda x: x.amax(-1),
    "amax_all": lambda x: x.amax((0, 1)) if x.dim() == 2 else x.amax(0),
    "max_dim_0": lambda x: x.max(0)[0], "max_dim_0_idx": lambda x: x.max(0)[1],
    "min_dim_-1": lambda x: x.min(-1)[0], "min_dim_-1_idx": lambda x: x.min(-1)[1],
    "argmax_0": lambda x: x.argmax(0), "argmin_-1": lambda x: x.argmin(-1),
    "logsumexp_0": lambda x: x.logsumexp(0), "logsumexp_-1": lambda x: x.logsumexp(-1),
    "logsumexp_all": lambda x: x.logsumexp((0, 1)) if x.dim() == 2 else x.logsumexp(0),
    "norm": lambda x: x.norm(), "var_0": lambda x: x.var(0), "var": lambda x: x.var(),
    "softmax_0": lambda x: x.softmax(0), "softmax_-1": lambda x: x.softmax(-1),
    "log_softmax_0": lambda x: x.log_softmax(0), "log_softmax_-1": lambda x: x.log_softmax(-1),
    "all": lambda x: x.all(), "any": lambda x: x.any(),
}

# Vector-Jacobian products: the last input is the upstream gradient (fill "n": NaN and inf), so
# these check that a rule selects the gradient (unselected elements get exactly 0) rather than
# multiplying it by a mask, and the tie rules.
VJP = {
    "vjp_relu": torch.relu, "vjp_clamp": lambda x: x.clamp(0.5, 2.5),
    "vjp_clamp_min": lambda x: x.clamp_min(2), "vjp_maximum": torch.maximum,
    "vjp_minimum": torch.minimum, "vjp_max": lambda x: x.max(), "vjp_min": lambda x: x.min(),
    "vjp_max_dim_1": lambda x: x.max(1)[0], "vjp_min_dim_0": lambda x: x.min(0)[0],
    "vjp_where": lambda a, b: torch.where(a > b, a, b),
    "vjp_masked_fill": lambda x: x.masked_fill(x > 1, 0.0),
    "vjp_gather": lambda x: x.gather(1, torch.tensor([[2, 0], [1, 1]])),
}

# ---- cases ---------------------------------------------------------------------------------
DT = ["f32", "f64", "i64", "b8"]


# Gradients where paragrad is deliberately not PyTorch (tests/engine/test_nan_semantics.cpp
# checks paragrad's own values there): maximum/minimum with a NaN input (PyTorch sends the
# gradient to both inputs; only the NaN one moves the output) and amax over a group holding a
# NaN (PyTorch: NaN for every element of the group; paragrad: shared among the NaN elements,
# as PyTorch's own max() of all elements does).
#
# Also var over a single element (correction 1: 0/0, NaN for every input) or over non-finite
# values: the result is NaN whatever the input, PyTorch's backward gives +inf at some elements,
# paragrad NaN.
def deliberate_difference(name, specs):
    has_nan = any(s.endswith(":n") for s in specs)
    if name.startswith("var") and (has_nan or any(s.split(":")[1] == "" for s in specs)):
        return True
    return has_nan and (name in ("maximum", "minimum") or name.startswith("amax"))


# Where paragrad raises and PyTorch 1.13 does not: softmax and log_softmax of an empty int64 or
# bool tensor, argmax and argmin of an empty bool tensor (PyTorch raises for a non-empty one:
# its kernel is never reached when the result is empty; paragrad checks the dtype first, whatever
# the size).
def paragrad_raises(name, specs):
    if name.startswith(("softmax", "log_softmax")) and specs[0].startswith(("i64", "b8")):
        return True
    return name.startswith(("argmax", "argmin")) and specs[0].startswith("b8")


def run(table, name, specs):
    fn = table[name]
    xs = [make(s) for s in specs]
    upstream = xs.pop() if name.startswith("vjp_") else None
    grad_inputs = [x.requires_grad_() for x in xs if x.dtype == torch.float64]
    try:
        y = fn(*xs)
    except (RuntimeError, IndexError, ValueError, TypeError):
        return dict(op=name, inputs=specs, raises=True)
    if paragrad_raises(name, specs):
        return dict(op=name, inputs=specs, raises=True)
    case = dict(op=name, inputs=specs, raises=False, dtype=NAMES[y.dtype], shape=list(y.shape),
                values=[float(v) for v in y.detach().reshape(-1).tolist()])
    grads = []
    if y.requires_grad and grad_inputs and not deliberate_difference(name, specs):
        try:
            if upstream is None:
                gs = torch.autograd.grad(y.sum(), grad_inputs, allow_unused=True)
            else:
                gs = torch.autograd.grad(y, grad_inputs, upstream.reshape(y.shape),
                                         allow_unused=True)
        except RuntimeError:  # e.g. f64 - bool: PyTorch's backward negates the bool input's grad
            gs = None
        if gs is not None:
            grads = [[0.0] * x.numel() if g is None else [float(v) for v in g.reshape(-1).tolist()]
                     for x, g in zip(grad_inputs, gs)]
    case["grads"] = grads
    return case


def cases():
    groups = {"unary": [], "binary": [], "scalar": [], "reduce": [], "vjp": []}
    shapes = ["", "3"]
    for name in UNARY:
        for dt, sh in itertools.product(DT, shapes + ["0,2"]):
            groups["unary"].append(run(UNARY, name, [f"{dt}:{sh}:a"]))
        for dt in ("f32", "f64"):
            groups["unary"].append(run(UNARY, name, [f"{dt}:7:n"]))
    for name in BINARY:
        for da, db in itertools.product(DT, DT):
            for sa, sb in (("3", "3"), ("3", ""), ("", "3"), ("", "")):
                groups["binary"].append(run(BINARY, name, [f"{da}:{sa}:a", f"{db}:{sb}:b"]))
    for name in ("maximum", "minimum", "pow", "atan2", "add", "mul", "div"):
        for dt in ("f32", "f64"):
            groups["binary"].append(run(BINARY, name, [f"{dt}:7:n", f"{dt}:7:b"]))
            groups["binary"].append(run(BINARY, name, [f"{dt}:7:b", f"{dt}:7:n"]))
    for name in SCALAR:
        for dt, sh in itertools.product(DT, shapes):
            groups["scalar"].append(run(SCALAR, name, [f"{dt}:{sh}:a"]))
        for dt in ("f32", "f64"):
            groups["scalar"].append(run(SCALAR, name, [f"{dt}:7:n"]))
    for name in REDUCE:
        for dt in DT:
            for sh in ("2,3", "0,3", "3,0", "0", "", "4"):
                groups["reduce"].append(run(REDUCE, name, [f"{dt}:{sh}:a"]))
        for dt in ("f32", "f64"):
            groups["reduce"].append(run(REDUCE, name, [f"{dt}:2,4:n"]))
    for name, specs in (("vjp_relu", ["f64:7:b", "f64:7:n"]), ("vjp_relu", ["f64:7:n", "f64:7:p"]),
                        ("vjp_clamp", ["f64:7:p", "f64:7:n"]),
                        ("vjp_clamp_min", ["f64:6:t", "f64:6:n"]),
                        ("vjp_maximum", ["f64:6:t", "f64:6:u", "f64:6:n"]),
                        ("vjp_minimum", ["f64:6:t", "f64:6:u", "f64:6:n"]),
                        ("vjp_maximum", ["f64:6:t", "f64:6:u", "f64:6:p"]),
                        ("vjp_max", ["f64:6:t", "f64::n"]), ("vjp_min", ["f64:6:t", "f64::n"]),
                        ("vjp_max", ["f64:2,3:t", "f64::p"]),
                        ("vjp_max_dim_1", ["f64:2,3:t", "f64:2:n"]),
                        ("vjp_min_dim_0", ["f64:2,3:t", "f64:3:n"]),
                        ("vjp_where", ["f64:6:t", "f64:6:u", "f64:6:n"]),
                        ("vjp_masked_fill", ["f64:2,3:t", "f64:2,3:n"]),
                        ("vjp_gather", ["f64:2,3:a", "f64:2,2:n"])):
        groups["vjp"].append(run(VJP, name, specs))
    return groups


# ---- C++ output ----------------------------------------------------------------------------
# One string literal per case, parsed by tests/oracle_cases.hpp (parse_row):
#   "op|spec spec|dtype|shape|values|[grad] [grad]"   or, when PyTorch raises, "op|spec spec|raises"
# An array of string literals costs the compiler nothing; the same tables as nested
# std::vector initializers took GCC many minutes under sanitizer instrumentation.
def num(v):
    return repr(float(v))  # round-trips exactly through strtod, "nan", "inf" and "-inf" included


def row(case):
    fields = [case["op"], " ".join(case["inputs"])]
    if case["raises"]:
        fields.append("raises")
    else:
        fields += [case["dtype"], ",".join(str(s) for s in case["shape"]),
                   " ".join(num(v) for v in case["values"]),
                   " ".join("[" + " ".join(num(v) for v in g) + "]" for g in case["grads"])]
    for f in fields:
        assert "|" not in f and '"' not in f and "\\" not in f, f
    return '    "' + "|".join(fields) + '",'


def print_header(script, namespace, groups, notes=()):
    """The generated C++ header: per group (name -> cases) an array of rows and a function that
    parses them into oracle::Case values."""
    print(f"// Generated by scripts/oracle/{script} with PyTorch {torch.__version__}"
          " -- do not edit.")
    print("// clang-format off")
    print("#pragma once")
    print("#include <vector>\n")
    print('#include "oracle_cases.hpp"\n')
    print(f"namespace paragrad::{namespace} {{\n")
    for note in notes:
        print(f"// {note}")
    if notes:
        print()
    for name, cs in groups.items():
        print(f"inline const char* const {name}_rows[] = {{")
        for c in cs:
            print(row(c))
        print("};")
        print(f"inline std::vector<oracle::Case> {name}() {{ return oracle::parse_rows({name}_rows); }}\n")
    print(f"}}  // namespace paragrad::{namespace}")
    print("// clang-format on")


def main():
    print_header("semantics_oracle.py", "semantics_oracle", cases())


if __name__ == "__main__":
    main()
