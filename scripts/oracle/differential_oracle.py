#!/usr/bin/python3
"""Random differential programs with PyTorch 1.13's results, replayed by tests/differential/.

Each program is a list of ops over numbered values (inputs first, then one value per op), drawn
from a seed. PyTorch runs it and its results are written next to it: the output's value, the
gradient of L = sum(out * cotangent) for every input that requires grad, and the Hessian-vector
product (double backward of sum_i <grad_i, tangent_i>). Where PyTorch's own derivatives are not
trusted (prod/cumprod with several zeros, norm), the program carries `check fd` and the C++ test
checks its gradients and HVPs against float64 finite differences instead (PyTorch's are still
written, for reference). The format is described in tests/differential/program.hpp.

Run offline (needs PyTorch 1.13):
    /usr/bin/python3 scripts/oracle/differential_oracle.py   # writes tests/differential/golden/
"""
import os
import random
import sys

import torch

OUT_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "differential", "golden")
DT = {"f64": torch.float64, "f32": torch.float32, "i64": torch.int64}


def fmt_shape(s):
    return "[" + ",".join(str(d) for d in s) + "]"


def fmt_values(t, dtype):
    flat = t.detach().clone(memory_format=torch.contiguous_format).reshape(-1).tolist()
    if dtype in ("i64", "b8"):
        return " ".join(str(int(v)) for v in flat)
    if dtype == "f64":
        return " ".join(repr(v) for v in flat)  # shortest text that reads back to the same double
    return " ".join("%.9g" % v for v in flat)


class Value:
    def __init__(self, tensor, grad):
        self.t = tensor  # concrete value (detached), used to choose safe ops
        self.grad = grad  # depends on an input that requires grad
        self.consumed = False  # an in-place op overwrote this buffer: no later use


# ---- op table: name -> torch implementation(args, attrs). The C++ table mirrors it. ----------
def _dims(a):
    return [int(d) for d in a["dims"].split(",")] if a.get("dims", "") != "" else []


def _slogabs(x):
    return torch.linalg.slogdet(x)[1]


TORCH_OPS = {
    # elementwise unary
    "neg": lambda x, a: -x[0], "exp": lambda x, a: x[0].exp(), "log": lambda x, a: x[0].log(),
    "sqrt": lambda x, a: x[0].sqrt(), "abs": lambda x, a: x[0].abs(),
    "sin": lambda x, a: x[0].sin(), "cos": lambda x, a: x[0].cos(),
    "tanh": lambda x, a: x[0].tanh(), "sigmoid": lambda x, a: x[0].sigmoid(),
    "relu": lambda x, a: x[0].relu(), "square": lambda x, a: x[0].square(),
    "reciprocal": lambda x, a: x[0].reciprocal(), "log1p": lambda x, a: x[0].log1p(),
    "expm1": lambda x, a: x[0].expm1(), "atan": lambda x, a: x[0].atan(),
    "erf": lambda x, a: x[0].erf(), "rsqrt": lambda x, a: x[0].rsqrt(),
    # "2" is an integer exponent (bool/int tensors stay integer), "2.0" a float one
    "pow": lambda x, a: x[0].pow(int(a["p"]) if a["p"].lstrip("-").isdigit() else float(a["p"])),
    "clamp": lambda x, a: x[0].clamp(float(a["lo"]), float(a["hi"])),
    # elementwise binary (broadcasting)
    "add": lambda x, a: x[0] + x[1], "sub": lambda x, a: x[0] - x[1],
    "mul": lambda x, a: x[0] * x[1], "div": lambda x, a: x[0] / x[1],
    "maximum": lambda x, a: torch.maximum(x[0], x[1]),
    "minimum": lambda x, a: torch.minimum(x[0], x[1]),
    "atan2": lambda x, a: torch.atan2(x[0], x[1]),
    # reductions
    "sum": lambda x, a: x[0].sum() if a["dims"] == "" else x[0].sum(_dims(a), keepdim=a["keepdim"] == "1"),
    "mean": lambda x, a: x[0].mean() if a["dims"] == "" else x[0].mean(_dims(a), keepdim=a["keepdim"] == "1"),
    "amax": lambda x, a: x[0].amax(_dims(a), keepdim=a["keepdim"] == "1"),
    "amin": lambda x, a: x[0].amin(_dims(a), keepdim=a["keepdim"] == "1"),
    "logsumexp": lambda x, a: x[0].logsumexp(_dims(a), keepdim=a["keepdim"] == "1"),
    "var": lambda x, a: x[0].var(_dims(a), unbiased=a["unbiased"] == "1", keepdim=a["keepdim"] == "1"),
    "prod": lambda x, a: x[0].prod(int(a["dim"]), keepdim=a["keepdim"] == "1"),
    "prod_all": lambda x, a: x[0].prod(),
    "norm": lambda x, a: x[0].norm(),
    "cumsum": lambda x, a: x[0].cumsum(int(a["dim"])),
    "cumprod": lambda x, a: x[0].cumprod(int(a["dim"])),
    # views and shape ops
    "transpose": lambda x, a: x[0].transpose(int(a["d0"]), int(a["d1"])),
    "narrow": lambda x, a: x[0].narrow(int(a["dim"]), int(a["start"]), int(a["length"])),
    "reshape": lambda x, a: x[0].reshape(_dims(a)),
    "expand": lambda x, a: x[0].expand(_dims(a)),
    "permute": lambda x, a: x[0].permute(_dims(a)),
    "unsqueeze": lambda x, a: x[0].unsqueeze(int(a["dim"])),
    "squeeze": lambda x, a: x[0].squeeze(int(a["dim"])),
    "select": lambda x, a: x[0].select(int(a["dim"]), int(a["index"])),
    "flip": lambda x, a: x[0].flip(_dims(a)),
    "mT": lambda x, a: x[0].mT,
    # products
    "matmul": lambda x, a: torch.matmul(x[0], x[1]),
    # linalg
    "solve": lambda x, a: torch.linalg.solve(x[0], x[1]), "inv": lambda x, a: torch.linalg.inv(x[0]),
    "det": lambda x, a: torch.linalg.det(x[0]), "slogdet_logabs": lambda x, a: _slogabs(x[0]),
    "cholesky": lambda x, a: torch.linalg.cholesky(x[0]),
    "qr_q": lambda x, a: torch.linalg.qr(x[0])[0], "qr_r": lambda x, a: torch.linalg.qr(x[0])[1],
    "eigvalsh": lambda x, a: torch.linalg.eigh(x[0])[0],
    "svdvals": lambda x, a: torch.linalg.svdvals(x[0]),
}


def _iadd(x, a):
    x[0].add_(x[1], alpha=float(a["alpha"]))
    return x[0]


def _imul(x, a):
    x[0].mul_(float(a["s"]))
    return x[0]


def _ifill(x, a):
    x[0].fill_(float(a["s"]))
    return x[0]


def _icopy(x, a):
    x[0].copy_(x[1])
    return x[0]


# in-place on a buffer that does not require grad: the result is the buffer itself
INPLACE_OPS = {"add_": _iadd, "mul_": _imul, "fill_": _ifill, "copy_": _icopy}
TORCH_OPS.update(INPLACE_OPS)


class Builder:
    """Draws one program, evaluating each op as it is added (so domains and kinks are avoided)."""

    def __init__(self, rng, dtype):
        self.rng = rng
        self.dtype = dtype
        self.vals = []
        self.inputs = []  # (dtype, shape, requires_grad, tensor)
        self.ops = []  # (name, [operands], {attrs})
        self.fd = False
        self.order = []  # ("input", k) / ("op", k) in creation order: value ids follow it

    def rand_tensor(self, shape, lo=-2.0, hi=2.0):
        n = 1
        for d in shape:
            n *= d
        if self.dtype == "i64":
            data = [self.rng.randint(-4, 4) for _ in range(n)]
        else:
            data = [round(self.rng.uniform(lo, hi), 3) for _ in range(n)]
        return torch.tensor(data, dtype=DT[self.dtype]).reshape(shape)

    def add_input(self, shape, grad, tensor=None):
        t = tensor if tensor is not None else self.rand_tensor(shape)
        t = t.to(DT[self.dtype])
        grad = grad and self.dtype != "i64"
        self.order.append(("input", len(self.inputs)))
        self.inputs.append((self.dtype, list(t.shape), grad, t.clone()))
        self.vals.append(Value(t.clone(), grad))
        return len(self.vals) - 1

    def apply(self, name, operands, attrs):
        args = [self.vals[i].t for i in operands]
        if name in INPLACE_OPS:
            args = [args[0]] + [a.clone() for a in args[1:]]
        out = TORCH_OPS[name](args, attrs)
        grad = any(self.vals[i].grad for i in operands) and name not in INPLACE_OPS
        if name in INPLACE_OPS:
            self.vals[operands[0]].consumed = True
        self.order.append(("op", len(self.ops)))
        self.ops.append((name, list(operands), dict(attrs)))
        self.vals.append(Value(out.detach().clone(), grad))
        return len(self.vals) - 1

    def live(self, pred=lambda v: True):
        return [i for i, v in enumerate(self.vals) if not v.consumed and pred(v)]


def far_from(t, points, margin):
    return all(bool(((t - p).abs() > margin).all()) for p in points)


def rand_shape(rng, allow_zero, max_dim=3):
    nd = rng.randint(0, max_dim)
    s = [rng.randint(1, 4) for _ in range(nd)]
    if allow_zero and nd > 0 and rng.random() < 0.5:
        s[rng.randrange(nd)] = 0
    return s


def broadcast_partner(rng, shape):
    s = list(shape[rng.randint(0, len(shape)):]) if shape else []
    s = [1 if (d != 0 and rng.random() < 0.4) else d for d in s]
    if rng.random() < 0.2 and len(s) < 3:
        s = [1] + s
    return s


def step_elementwise(b, allow_zero):
    rng = b.rng
    cands = b.live(lambda v: v.t.dtype == DT[b.dtype])
    i = cands[-1] if rng.random() < 0.7 else rng.choice(cands[-3:])
    x = b.vals[i].t
    if b.dtype == "i64":
        kind = rng.choice(["neg", "abs", "add", "sub", "mul", "maximum", "minimum", "square"])
    else:
        unary = ["neg", "exp", "log", "sqrt", "abs", "sin", "cos", "tanh", "sigmoid", "relu", "square",
                 "reciprocal", "log1p", "expm1", "atan", "erf", "rsqrt", "pow", "clamp"]
        kind = rng.choice(unary + ["bin"] * 8)
    if kind in ("add", "sub", "mul", "maximum", "minimum", "div", "atan2") or kind == "bin":
        if kind == "bin":
            kind = rng.choice(["add", "sub", "mul", "div", "maximum", "minimum", "atan2"])
        pshape = broadcast_partner(rng, list(x.shape))
        if rng.random() < 0.5 and len(pshape) <= 3:
            j = b.add_input(list(x.shape) if rng.random() < 0.5 else pshape, rng.random() < 0.7)
        else:
            same = b.live(lambda v: list(v.t.shape) == list(x.shape) and v.t.dtype == x.dtype)
            j = rng.choice([k for k in same if k != i] or same)
        y = b.vals[j].t
        if rng.random() < 0.3:
            i, j, x, y = j, i, y, x
        if kind == "div" and not far_from(y, [0.0], 0.3):
            kind = "mul"
        if kind in ("maximum", "minimum") and not far_from(x - y, [0.0], 1e-3):
            kind = "add"
        if kind == "atan2" and not bool(((x.abs() + y.abs()) > 0.3).all()):
            kind = "sub"
        try:
            torch.broadcast_shapes(x.shape, y.shape)
        except RuntimeError:
            return
        b.apply(kind, [i, j], {})
        return
    attrs = {}
    if kind in ("log", "sqrt", "rsqrt", "reciprocal") and not bool((x > 0.2).all()):
        kind = "square" if rng.random() < 0.5 else "exp"
    if kind == "log1p" and not bool((x > -0.8).all()):
        kind = "sigmoid"
    if kind in ("exp", "expm1") and bool((x > 4).any()):
        kind = "tanh"
    if kind in ("abs", "relu") and not far_from(x, [0.0], 1e-3):
        kind = "sin"
    if kind == "pow":
        p = rng.choice([2.0, 3.0, 0.5, -1.0, 1.5])
        if p != int(p) or p < 0:
            if not bool((x > 0.2).all()):
                p = 2.0
        attrs["p"] = repr(p)
    if kind == "clamp":
        lo, hi = sorted([round(rng.uniform(-1.5, 1.5), 2) for _ in range(2)])
        if hi - lo < 0.1 or not far_from(x, [lo, hi], 1e-3):
            kind, attrs = "tanh", {}
        else:
            attrs = {"lo": repr(lo), "hi": repr(hi)}
    if kind == "square" and bool((x.abs() > 100).any()):
        kind = "tanh"
    b.apply(kind, [i], attrs)


def pick_dims(rng, nd):
    k = rng.randint(1, nd)
    dims = sorted(rng.sample(range(nd), k))
    return [d - nd if rng.random() < 0.3 else d for d in dims]


def step_reduction(b, allow_zero):
    rng = b.rng
    cands = b.live(lambda v: v.t.dtype == DT[b.dtype])
    i = cands[-1] if rng.random() < 0.7 else rng.choice(cands[-3:])
    x = b.vals[i].t
    nd = x.dim()
    names = ["sum", "mean", "amax", "amin", "logsumexp", "var", "prod", "norm", "cumsum",
             "cumprod", "prod_all"]
    if b.dtype == "i64":
        names = ["sum", "amax", "amin", "prod", "cumsum", "prod_all"]
    name = rng.choice(names)
    if nd == 0 and name not in ("sum", "mean", "norm", "prod_all"):
        name = "sum"
    attrs = {}
    if name in ("sum", "mean") and (nd == 0 or rng.random() < 0.3):
        attrs = {"dims": "", "keepdim": "0"}
        if name == "mean" and x.numel() == 0:
            name = "sum"
    elif name in ("sum", "mean", "amax", "amin", "logsumexp", "var"):
        dims = pick_dims(rng, nd)
        attrs = {"dims": ",".join(map(str, dims)), "keepdim": rng.choice("01")}
        reduced = 1
        for d in dims:
            reduced *= x.shape[d]
        if name == "var":
            attrs["unbiased"] = rng.choice("01")
            if reduced < 2:
                name = "sum"
                del attrs["unbiased"]
        if reduced == 0 and name != "sum":
            name = "sum"
            attrs.pop("unbiased", None)
    elif name in ("prod", "cumsum", "cumprod"):
        attrs = {"dim": str(rng.randrange(-nd, nd))}
        if name == "prod":
            attrs["keepdim"] = rng.choice("01")
    if name in ("prod", "prod_all", "cumprod") and b.dtype != "i64":
        if x.numel() > 12 or bool((x.abs() > 3).any()):
            name, attrs = "sum", {"dims": "", "keepdim": "0"}
        elif bool((x == 0).sum() >= 1):
            b.fd = True
    if name == "norm":
        if x.numel() == 0 or float(x.norm()) < 0.1:
            name, attrs = "sum", {"dims": "", "keepdim": "0"}
        else:
            b.fd = True
    # amax/amin keep ties (from expand/broadcast): PyTorch splits the gradient evenly among them
    b.apply(name, [i], attrs)


def step_view(b, allow_zero):
    rng = b.rng
    cands = b.live()
    i = cands[-1] if rng.random() < 0.7 else rng.choice(cands[-3:])
    x = b.vals[i].t
    nd = x.dim()
    s = list(x.shape)
    name = rng.choice(["transpose", "narrow", "reshape", "expand", "permute", "unsqueeze",
                       "squeeze", "select", "flip", "mT"])
    attrs = {}
    if nd == 0 and name not in ("reshape", "unsqueeze", "expand"):
        name = "unsqueeze"
    if name == "transpose":
        attrs = {"d0": str(rng.randrange(-nd, nd)), "d1": str(rng.randrange(-nd, nd))}
    elif name == "mT":
        if nd < 2:
            name, attrs = "unsqueeze", {"dim": "0"}
    elif name == "narrow":
        d = rng.randrange(nd)
        start = rng.randint(0, s[d])
        attrs = {"dim": str(d), "start": str(start), "length": str(rng.randint(0, s[d] - start))}
    elif name == "reshape":
        n = x.numel()
        opts = [[n], [1, n], [n, 1]] + ([[2, n // 2]] if n % 2 == 0 else []) + ([[n // 3, 3]] if n % 3 == 0 else [])
        if n == 0:
            opts = [[0], [2, 0, 3]]
        if n == 1:
            opts.append([])
        attrs = {"dims": ",".join(map(str, rng.choice(opts)))}
    elif name == "expand":
        new = [rng.randint(2, 3) if d == 1 else d for d in s]
        if rng.random() < 0.3 or not new:
            new = [2] + new
        attrs = {"dims": ",".join(map(str, new))}
    elif name == "permute":
        p = list(range(nd))
        rng.shuffle(p)
        attrs = {"dims": ",".join(map(str, p))}
    elif name == "unsqueeze":
        attrs = {"dim": str(rng.randint(-nd - 1, nd))}
    elif name == "squeeze":
        attrs = {"dim": str(rng.randrange(-nd, nd))}
    elif name == "select":
        d = rng.randrange(nd)
        if s[d] == 0:
            name, attrs = "flip", {"dims": str(d)}
        else:
            attrs = {"dim": str(d - nd if rng.random() < 0.3 else d), "index": str(rng.randrange(-s[d], s[d]))}
    elif name == "flip":
        attrs = {"dims": ",".join(map(str, pick_dims(rng, nd)))}
    b.apply(name, [i], attrs)


def step_matmul(b, allow_zero):
    rng = b.rng
    cands = b.live(lambda v: v.t.dim() >= 1 and v.t.dtype == DT[b.dtype])
    if not cands:
        return
    i = cands[-1] if rng.random() < 0.7 else rng.choice(cands[-3:])
    x = b.vals[i].t
    k = x.shape[-1]
    if rng.random() < 0.3:
        j = b.add_input([k], rng.random() < 0.7)
    else:
        j = b.add_input(([2] if rng.random() < 0.2 else []) + [k, rng.randint(0 if allow_zero else 1, 3)],
                        rng.random() < 0.7)
    if x.numel() and float(x.abs().max()) > 50:
        return
    b.apply("matmul", [i, j], {})


LINALG_KINDS = ["solve", "inv", "det", "slogdet_logabs", "cholesky", "qr_q", "qr_r", "eigvalsh",
                "svdvals"]


def linalg_program(b, index):
    rng = b.rng
    n = rng.randint(1, 4)
    batch = [2] if rng.random() < 0.3 else []
    kind = LINALG_KINDS[index % len(LINALG_KINDS)]  # each kind equally often
    if kind in ("qr_q", "qr_r", "svdvals"):
        m = n + rng.randint(0, 2)
        x = b.add_input(batch + [m, n], True)
        a = x
    elif kind in ("cholesky",):
        x = b.add_input(batch + [n, n], True)
        xt = b.apply("mT", [x], {})
        xx = b.apply("matmul", [x, xt], {})
        c = b.add_input([n, n], False, torch.eye(n) * (0.5 + n * 0.5))
        a = b.apply("add", [xx, c], {})
    elif kind == "eigvalsh":
        # distinct eigenvalues: a symmetric part plus a well-separated diagonal
        x = b.add_input(batch + [n, n], True)
        xt = b.apply("mT", [x], {})
        s = b.apply("add", [x, xt], {})
        c = b.add_input([n, n], False, torch.diag(torch.arange(n, dtype=torch.float64) * 3.0))
        a = b.apply("add", [s, c], {})
        if n > 1:
            ev = torch.linalg.eigvalsh(b.vals[a].t)
            if float((ev[..., 1:] - ev[..., :-1]).min()) < 0.3:
                return False
    else:
        x = b.add_input(batch + [n, n], True)
        c = b.add_input([n, n], False, torch.eye(n) * (n + 1.0))
        a = b.apply("add", [x, c], {})
    if kind == "solve":
        rhs = b.add_input(batch + [n, rng.randint(1, 2)], rng.random() < 0.8)
        b.apply("solve", [a, rhs], {})
    else:
        if kind in ("qr_q", "qr_r") and float(torch.linalg.svdvals(b.vals[a].t).min()) < 0.2:
            return False
        if kind == "svdvals" and n > 1:
            sv = torch.linalg.svdvals(b.vals[a].t)
            if float((sv[..., :-1] - sv[..., 1:]).min()) < 0.2 or float(sv.min()) < 0.2:
                return False
        b.apply(kind, [a], {})
    if rng.random() < 0.5:
        step_elementwise(b, False)
    return True


def inplace_steps(b):
    """A non-grad buffer changed in place, then mixed into the grad computation."""
    rng = b.rng
    x = b.add_input(rand_shape(rng, False, 2) or [3], True)
    s = list(b.vals[x].t.shape)
    buf = b.add_input(s, False)
    name = rng.choice(list(INPLACE_OPS))
    if name == "add_":
        other = b.add_input(broadcast_partner(rng, s), False)
        r = b.apply("add_", [buf, other], {"alpha": repr(rng.choice([1.0, -0.5, 2.0]))})
    elif name == "copy_":
        other = b.add_input(broadcast_partner(rng, s), False)
        r = b.apply("copy_", [buf, other], {})
    elif name == "mul_":
        r = b.apply("mul_", [buf], {"s": repr(rng.choice([0.0, 2.0, -1.5]))})
    else:
        r = b.apply("fill_", [buf], {"s": repr(rng.choice([0.0, 1.25]))})
    b.apply(rng.choice(["mul", "add", "sub"]), [x, r], {})



# ---- families on live tensors: in-place ops with autograd, indexing, eigen/singular vectors ----
DT["b8"] = torch.bool


def _index_list(x, a):
    """Operands 1.. of index/index_put after the values: index tensors; `lead` full slices first."""
    return [None] * int(a.get("lead", "0")) + list(x)


def _ip_(x, a):
    x[0].index_put_(tuple(x[2:]), x[1], accumulate=a["accumulate"] == "1")
    return x[0]


def _mul_t_(x, a):
    x[0].mul_(x[1])
    return x[0]


def _clamp_(x, a):
    x[0].clamp_(float(a["lo"]), float(a["hi"]))
    return x[0]


def _div_(x, a):
    x[0].div_(float(a["s"]))
    return x[0]


def _zero_(x, a):
    x[0].zero_()
    return x[0]


def _svd(x, a, k):
    return torch.linalg.svd(x[0], full_matrices=a["full"] == "1")[k]


TORCH_OPS.update({
    "clone": lambda x, a: x[0].clone(),
    "mul_t_": _mul_t_, "div_": _div_, "clamp_": _clamp_, "zero_": _zero_, "index_put_": _ip_,
    "index_select": lambda x, a: x[0].index_select(int(a["dim"]), x[1]),
    "gather": lambda x, a: x[0].gather(int(a["dim"]), x[1]),
    "scatter_add": lambda x, a: x[0].scatter_add(int(a["dim"]), x[1], x[2]),
    "index_add": lambda x, a: x[0].index_add(int(a["dim"]), x[1], x[2], alpha=float(a["alpha"])),
    "index": lambda x, a: torch.ops.aten.index(x[0], _index_list(x[1:], a)),
    "index_put": lambda x, a: torch.ops.aten.index_put(x[0], _index_list(x[2:], a), x[1],
                                                       a["accumulate"] == "1"),
    "masked_fill": lambda x, a: x[0].masked_fill(x[1], float(a["value"])),
    "masked_select": lambda x, a: x[0].masked_select(x[1]),
    "where": lambda x, a: torch.where(x[0], x[1], x[2]),
    "eigh_v": lambda x, a: torch.linalg.eigh(x[0])[1],
    "svd_u": lambda x, a: _svd(x, a, 0), "svd_s": lambda x, a: _svd(x, a, 1),
    "svd_vh": lambda x, a: _svd(x, a, 2),
})

# PyTorch's error -> the kind written in the program (tests/differential maps it to paragrad's)
ERROR_KINDS = [
    ("modified by an inplace operation", "version"),
    ("a view of a leaf Variable that requires grad", "leafview"),
    ("a leaf Variable that requires grad", "leaf"),
    ("no_grad mode and is being modified inplace", "nogradview"),
    ("more than one element of the written-to tensor", "overlap"),
    ("out of bounds", "index"), ("out of range", "index"),
]


def error_kind(e):
    for needle, kind in ERROR_KINDS:
        if needle in str(e):
            return kind
    return None


def run_op(name, args, attrs):
    if attrs.get("nograd") == "1":
        with torch.no_grad():
            return TORCH_OPS[name](args, attrs)
    return TORCH_OPS[name](args, attrs)


class LiveValue:
    def __init__(self, tensor):
        self.real = tensor  # the value in a run with autograd (aliasing as in the program)
        self.consumed = False

    @property
    def t(self):
        return self.real.detach()

    @property
    def grad(self):
        return self.real.requires_grad


class LiveBuilder(Builder):
    """A Builder whose values are the program's real tensors (grad, views, in-place writes), so
    that later steps see what an in-place op wrote; an op PyTorch refuses ends the program."""

    def __init__(self, rng, dtype):
        super().__init__(rng, dtype)
        self.raised = None  # ("forward", kind) once an op raised

    def add_input(self, shape, grad, tensor=None, dtype=None):
        if self.raised:  # the program ended at the op that raised
            return len(self.vals) - 1
        dtype = dtype or self.dtype
        if tensor is None:
            saved, self.dtype = self.dtype, dtype
            t = self.rand_tensor(shape)
            self.dtype = saved
        else:
            t = tensor
        t = t.to(DT[dtype])
        grad = grad if dtype in ("f64", "f32") else False  # True, False or "unasked"
        self.order.append(("input", len(self.inputs)))
        self.inputs.append((dtype, list(t.shape), grad, t.clone()))
        self.vals.append(LiveValue(t.clone().requires_grad_(bool(grad))))
        return len(self.vals) - 1

    def apply(self, name, operands, attrs):
        if self.raised:
            return len(self.vals) - 1
        self.order.append(("op", len(self.ops)))
        self.ops.append((name, list(operands), dict(attrs)))
        try:
            out = run_op(name, [self.vals[i].real for i in operands], attrs)
        except (RuntimeError, IndexError) as e:
            if error_kind(e) is None:
                raise  # not an error the program tests (a bad draw): draw again
            self.raised = ("forward", error_kind(e))
            return len(self.vals) - 1
        self.vals.append(LiveValue(out))
        return len(self.vals) - 1

    def live(self, pred=lambda v: True):
        return [i for i, v in enumerate(self.vals) if v.t.dtype == DT[self.dtype] and pred(v)]


def index_tensor(rng, shape, size, negative=False, unique=False):
    n = 1
    for d in shape:
        n *= d
    if unique:
        pool = list(range(size))
        rng.shuffle(pool)
        data = pool[:n]
    else:
        data = [rng.randrange(size) for _ in range(n)]
    if negative:
        data = [v - size if rng.random() < 0.3 else v for v in data]
    return torch.tensor(data, dtype=torch.int64).reshape(shape)


def mask_tensor(rng, shape):
    n = 1
    for d in shape:
        n *= d
    return torch.tensor([rng.random() < 0.5 for _ in range(n)], dtype=torch.bool).reshape(shape)


def grad_shape(rng, min_dims=1):
    nd = rng.randint(min_dims, 3)
    return [rng.randint(1, 4) for _ in range(nd)]


VIEWS = ["narrow", "select", "transpose", "unsqueeze", "permute", "mT", "reshape_view", "squeeze"]


def take_view(b, i, nograd=False):
    """A view of value i (a random view op PyTorch and paragrad both return as a view)."""
    rng = b.rng
    s = list(b.vals[i].t.shape)
    nd = len(s)
    name = rng.choice(VIEWS)
    attrs = {}
    if nd == 0:
        name = "unsqueeze"
    if name == "narrow":
        d = rng.randrange(nd)
        start = rng.randrange(s[d])
        attrs = {"dim": str(d), "start": str(start), "length": str(rng.randint(1, s[d] - start))}
    elif name == "select":
        d = rng.randrange(nd)
        attrs = {"dim": str(d), "index": str(rng.randrange(-s[d], s[d]))}
    elif name == "transpose" or (name == "mT" and nd < 2):
        name = "transpose"
        attrs = {"d0": str(rng.randrange(nd)), "d1": str(rng.randrange(-nd, nd))}
    elif name == "unsqueeze":
        attrs = {"dim": str(rng.randint(-nd - 1, nd))}
    elif name == "permute":
        p = list(range(nd))
        rng.shuffle(p)
        attrs = {"dims": ",".join(map(str, p))}
    elif name == "reshape_view":  # contiguous input: reshape is a view
        name = "reshape"
        n = b.vals[i].t.numel()
        attrs = {"dims": ",".join(map(str, rng.choice([[n], [1, n], [n, 1]])))}
        if not b.vals[i].real.is_contiguous():
            name, attrs = "unsqueeze", {"dim": "0"}
    elif name == "squeeze":
        attrs = {"dim": str(rng.randrange(nd))}
    if nograd:
        attrs["nograd"] = "1"
    return b.apply(name, [i], attrs)


def inplace_write(b, t, allow_index=True):
    """One in-place op on value t, with operands that often require grad; returns its id."""
    rng = b.rng
    x = b.vals[t].t
    s = list(x.shape)
    names = ["add_", "mul_", "mul_t_", "div_", "clamp_", "fill_", "zero_", "copy_", "copy_"]
    if allow_index and s and x.numel():
        names += ["index_put_", "index_put_", "masked_put_"]
    name = rng.choice(names)
    if name in ("add_", "mul_t_", "copy_"):
        other = b.add_input(broadcast_partner(rng, s), rng.random() < 0.7)
        if name == "copy_" and rng.random() < 0.3:  # a computed source
            other = b.apply(rng.choice(["sin", "tanh", "neg"]), [other], {})
        attrs = {"alpha": repr(rng.choice([1.0, -0.5, 2.0]))} if name == "add_" else {}
        return b.apply(name, [t, other], attrs)
    if name in ("mul_", "div_"):
        return b.apply(name, [t], {"s": repr(rng.choice([2.0, -1.5, 0.5]))})
    if name == "clamp_":
        lo, hi = sorted([round(rng.uniform(-1.5, 1.5), 2) for _ in range(2)])
        if hi - lo < 0.1 or not far_from(x, [lo, hi], 1e-3):
            return b.apply("mul_", [t], {"s": "3.0"})
        return b.apply("clamp_", [t], {"lo": repr(lo), "hi": repr(hi)})
    if name == "fill_":
        return b.apply("fill_", [t], {"s": repr(rng.choice([0.0, 1.25]))})
    if name == "zero_":
        return b.apply("zero_", [t], {})
    if name == "masked_put_":  # t[mask] = v: a bool index, values broadcast from 0-d or [count]
        mask = mask_tensor(rng, s)
        m = b.add_input(s, False, mask, "b8")
        count = int(mask.sum())
        v = b.add_input([] if rng.random() < 0.5 else [count], rng.random() < 0.7)
        return b.apply("index_put_", [t, v, m], {"accumulate": rng.choice("01")})
    # index_put_ along the first dims: t[i] = v or t[i, j] = v (unique positions unless
    # accumulating: duplicate writes without accumulate have no defined order)
    acc = rng.choice("01")
    lead = 1 if len(s) >= 2 and rng.random() < 0.3 else 0
    k = rng.randint(1, s[lead])
    two = len(s) > lead + 1 and rng.random() < 0.4
    if acc == "1" or not two:
        idx = [b.add_input([k], False, index_tensor(rng, [k], s[lead], True, acc == "0"), "i64")]
    else:
        idx = []
    if two:
        if acc == "0":  # unique (i, j) pairs
            pairs = [(p, q) for p in range(s[lead]) for q in range(s[lead + 1])]
            rng.shuffle(pairs)
            k = min(k, len(pairs))
            idx = [b.add_input([k], False, torch.tensor([p for p, _ in pairs[:k]]), "i64"),
                   b.add_input([k], False, torch.tensor([q for _, q in pairs[:k]]), "i64")]
        else:
            idx.append(b.add_input([k], False, index_tensor(rng, [k], s[lead + 1], True), "i64"))
    rest = s[:lead] + [k] + s[lead + (2 if two else 1):]
    vshape = rest[rng.randint(0, len(rest)):] if rng.random() < 0.3 else rest
    v = b.add_input(vshape, rng.random() < 0.7)
    attrs = {"accumulate": acc}
    if lead:
        attrs["lead"] = "1"
    return b.apply("index_put_", [t, v] + idx, attrs)


def continue_steps(b, lo, hi):
    for _ in range(b.rng.randint(lo, hi)):
        if b.raised:
            return
        b.rng.choices([step_elementwise, step_reduction, step_view], (4, 2, 1))[0](b, False)


def nonleaf(b, x):
    return b.apply(b.rng.choice(["clone", "clone", "exp", "sin"]), [x], {})


INPLACE_GRAD_VARIANTS = ["buffer", "buffer_view", "nonleaf", "view_of_nonleaf", "base_then_view",
                         "errors", "saved", "nograd"]


def inplace_grad_program(b, index):
    """In-place writes that autograd must record (issue 11, items 1, 2 and 9)."""
    rng = b.rng
    variant = INPLACE_GRAD_VARIANTS[index % len(INPLACE_GRAD_VARIANTS)]
    x = b.add_input(grad_shape(rng), True)
    s = list(b.vals[x].t.shape)
    if variant == "buffer":  # a buffer without grad written from x: it requires grad afterwards
        buf = b.add_input(s, False)
        name = rng.choice(["copy_", "add_", "mul_t_", "index_put_"])
        if name == "index_put_":
            k = rng.randint(1, s[0])
            i = b.add_input([k], False, index_tensor(rng, [k], s[0], True, True), "i64")
            v = b.apply("narrow", [x, ], {"dim": "0", "start": "0", "length": str(k)})
            r = b.apply("index_put_", [buf, v, i], {"accumulate": rng.choice("01")})
        else:
            r = b.apply(name, [buf, x], {"alpha": "2.0"} if name == "add_" else {})
        c = b.add_input(s, False)
        r = b.apply("mul", [r, c], {})
        b.apply(rng.choice(["add", "sub", "mul"]), [r, x], {})
    elif variant == "buffer_view":  # a view of a buffer without grad written from x
        buf = b.add_input(s, False)
        v = take_view(b, buf)
        src = b.add_input(list(b.vals[v].t.shape), True)
        b.apply(rng.choice(["copy_", "add_", "mul_t_"]), [v, src], {"alpha": "-0.5"} if rng.random() < 0.5 else {"alpha": "1.0"})
        r = b.apply("mul", [buf, x], {})
        b.apply("add", [r, buf], {})
    elif variant == "nonleaf":
        y = nonleaf(b, x)
        r = inplace_write(b, y)
        if rng.random() < 0.5:
            r = inplace_write(b, r)
        b.apply(rng.choice(["add", "mul"]), [r, x], {})
    elif variant == "view_of_nonleaf":  # CopySlices: the base's history is rewritten
        y = nonleaf(b, x)
        v = take_view(b, y)
        if rng.random() < 0.4:
            v = take_view(b, v)
        inplace_write(b, v)
        if rng.random() < 0.5:
            w = b.apply("sum", [v], {"dims": "", "keepdim": "0"})
            y = b.apply("mul", [y, w], {})
        b.apply(rng.choice(["add", "mul"]), [y, x], {})
    elif variant == "base_then_view":  # a view taken before its base is written
        y = nonleaf(b, x)
        v = take_view(b, y)
        inplace_write(b, y)
        r = b.apply(rng.choice(["square", "sin", "exp"]), [v], {})
        if list(b.vals[r].t.shape) == s:
            b.apply("add", [r, x], {})
    elif variant == "errors":  # PyTorch refuses these
        kinds = ["leaf", "leafview", "overlap", "nogradview", "version_out"]
        kind = kinds[(index // len(INPLACE_GRAD_VARIANTS)) % len(kinds)]
        if kind == "leaf":
            inplace_write(b, x)
        elif kind == "leafview":
            inplace_write(b, take_view(b, x))
        elif kind == "overlap":
            y = nonleaf(b, x)
            e = b.apply("expand", [y], {"dims": ",".join(map(str, [2] + s))})
            b.apply(rng.choice(["add_", "mul_t_", "copy_"]), [e, b.add_input(s, True)], {"alpha": "1.0"})
        elif kind == "nogradview":
            y = nonleaf(b, x) if rng.random() < 0.5 else x
            inplace_write(b, take_view(b, y, nograd=True))
        else:  # an op that saves its output, then the output written in place
            y = b.apply(rng.choice(["exp", "tanh", "sigmoid", "sqrt" if bool((b.vals[x].t > 0.2).all()) else "exp"]), [x], {})
            inplace_write(b, y, False)
            b.apply("sum", [y], {"dims": "", "keepdim": "0"})
    elif variant == "saved":  # a tensor saved by an op, then written: backward raises or not
        y = nonleaf(b, x)
        op = rng.choice(["square", "mul", "add", "sin", "neg", "reciprocal", "div", "matmul"])
        if op in ("reciprocal",) and not bool((b.vals[y].t.abs() > 0.2).all()):
            op = "square"
        if op in ("mul", "add", "div"):
            other = b.add_input(s, True) if op != "div" else b.add_input(s, True, torch.full(s, 1.5))
            z = b.apply(op, [y, other] if rng.random() < 0.5 or op == "div" else [other, y], {})
        elif op == "matmul":
            z = b.apply("matmul", [y, b.add_input([s[-1]], True)], {})
        else:
            z = b.apply(op, [y], {})
        inplace_write(b, y if rng.random() < 0.7 else take_view(b, y), False)
        zs = b.apply("sum", [z], {"dims": "", "keepdim": "0"})
        ys = b.apply("sum", [y], {"dims": "", "keepdim": "0"})
        b.apply("add", [zs, ys], {})
        return
    elif index % 16 == 7:  # a view made under no_grad, used out of place: no gradient flows
        v = take_view(b, x if rng.random() < 0.5 else nonleaf(b, x), nograd=True)
        r = b.apply(rng.choice(["square", "sin", "exp"]), [v], {})
        r = b.apply("sum", [r], {"dims": "", "keepdim": "0"})
        b.apply("add", [r, x], {})
    else:  # "nograd": in-place under no_grad on a leaf that requires grad (allowed, not recorded)
        y = x if rng.random() < 0.5 else take_view(b, x)
        name = rng.choice(["mul_", "add_", "fill_"])
        if name == "add_":
            b.apply("add_", [y, b.add_input(broadcast_partner(rng, list(b.vals[y].t.shape)), False)],
                    {"alpha": "1.0", "nograd": "1"})
        else:
            b.apply(name, [y], {"s": "2.0", "nograd": "1"})
        b.apply(rng.choice(["square", "sin"]), [x], {})
    continue_steps(b, 0, 2)


INDEXING_VARIANTS = ["index_select", "gather", "scatter_add", "index_add", "index", "index_put",
                     "masked_fill", "masked_select", "where", "bad_index"]


def indexing_program(b, index):
    """Indexing ops with Int64 index tensors and Bool masks, forward and backward."""
    rng = b.rng
    variant = INDEXING_VARIANTS[index % len(INDEXING_VARIANTS)]
    x = b.add_input(grad_shape(rng), True)
    s = list(b.vals[x].t.shape)
    nd = len(s)
    d = rng.randrange(nd)
    if variant == "index_select":
        k = rng.randint(0, 5)
        i = b.add_input([k], False, index_tensor(rng, [k], s[d]), "i64")
        b.apply("index_select", [x, i], {"dim": str(d - nd if rng.random() < 0.3 else d)})
    elif variant in ("gather", "scatter_add"):
        ishape = [rng.randint(1, sz) for sz in s]
        ishape[d] = rng.randint(1, 4)
        i = b.add_input(ishape, False, index_tensor(rng, ishape, s[d]), "i64")
        if variant == "gather":
            b.apply("gather", [x, i], {"dim": str(d)})
        else:
            src = b.add_input(ishape, True)
            ishape_ok = all(ishape[k] <= s[k] for k in range(nd) if k != d)
            assert ishape_ok
            b.apply("scatter_add", [x, i, src], {"dim": str(d)})
    elif variant == "index_add":
        k = rng.randint(1, 5)
        i = b.add_input([k], False, index_tensor(rng, [k], s[d]), "i64")
        src_shape = list(s)
        src_shape[d] = k
        src = b.add_input(src_shape, rng.random() < 0.8)
        b.apply("index_add", [x, i, src], {"dim": str(d), "alpha": repr(rng.choice([1.0, -2.0, 0.5]))})
    elif variant in ("index", "index_put"):
        lead = 1 if nd >= 2 and rng.random() < 0.3 else 0
        if rng.random() < 0.25:  # a bool mask over the dims from `lead`
            mshape = s[lead:lead + rng.randint(1, nd - lead)]
            idx = [b.add_input(mshape, False, mask_tensor(rng, mshape), "b8")]
            picked = [int(b.inputs[-1][3].sum())]
            rest = s[lead + len(mshape):]
            unique = True
        else:
            two = nd > lead + 1 and rng.random() < 0.4
            ishape = rng.choice([[rng.randint(1, 4)], [2, 2], []])
            unique = variant == "index_put" and rng.random() < 0.7
            if unique:
                ishape = [rng.randint(1, s[lead])]
            idx = [b.add_input(ishape, False, index_tensor(rng, ishape, s[lead], True, unique), "i64")]
            if two:
                jshape = ishape if unique else [1] * len(ishape)
                idx.append(b.add_input(jshape, False, index_tensor(rng, jshape, s[lead + 1], True), "i64"))
            picked = list(ishape)
            rest = s[lead + (2 if two else 1):]
        attrs = {"lead": "1"} if lead else {}
        if variant == "index":
            b.apply("index", [x] + idx, attrs)
        else:
            vshape = s[:lead] + picked + rest
            if rng.random() < 0.3:
                vshape = vshape[rng.randint(0, len(vshape)):]
            v = b.add_input(vshape, rng.random() < 0.8)
            attrs["accumulate"] = "0" if unique else "1"
            b.apply("index_put", [x, v] + idx, attrs)
    elif variant in ("masked_fill", "masked_select"):
        mshape = s if rng.random() < 0.6 else broadcast_partner(rng, s)
        m = b.add_input(mshape, False, mask_tensor(rng, mshape), "b8")
        if variant == "masked_fill":
            b.apply("masked_fill", [x, m], {"value": repr(rng.choice([0.0, -1.5, 2.0]))})
        else:
            b.apply("masked_select", [x, m], {})
    elif variant == "where":
        cshape = broadcast_partner(rng, s)
        c = b.add_input(cshape, False, mask_tensor(rng, cshape), "b8")
        y = b.add_input(broadcast_partner(rng, s), rng.random() < 0.7)
        b.apply("where", [c, x, y] if rng.random() < 0.5 else [c, y, x], {})
    else:  # an index out of range: PyTorch raises (IndexError or RuntimeError)
        name = rng.choice(["index_select", "gather", "index", "index_add"])
        bad = s[d] + rng.randint(0, 2) if name != "index" or rng.random() < 0.5 else -s[d] - 1
        if name == "index":
            d = 0
            bad = s[0] + 1 if rng.random() < 0.5 else -s[0] - 1
        ishape = [2] if name != "gather" else [1] * nd
        data = index_tensor(rng, ishape, s[d])
        data.reshape(-1)[-1] = bad
        i = b.add_input(ishape, False, data, "i64")
        if name == "index_add":
            src_shape = list(s)
            src_shape[d] = 2
            b.apply("index_add", [x, i, b.add_input(src_shape, True)], {"dim": str(d), "alpha": "1.0"})
        elif name == "index":
            b.apply("index", [x, i], {})
        else:
            b.apply(name, [x, i], {"dim": str(d)})
    continue_steps(b, 0, 2)


EIG_TAILS = ["abs", "reconstruct", "projector", "quadratic"]
SVD_TAILS = ["abs", "reconstruct", "left_projector", "right_projector", "complement"]


def vectors_program(b, index):
    """Eigenvectors (eigh) and full SVD through losses invariant to the vectors' signs."""
    rng = b.rng
    batch = [2] if rng.random() < 0.3 else []
    if index % 2 == 0:
        n = rng.randint(1, 4)
        x = b.add_input(batch + [n, n], True)
        s = b.apply("add", [x, b.apply("mT", [x], {})], {})
        c = b.add_input([n, n], False, torch.diag(torch.arange(n, dtype=torch.float64) * 3.0))
        a = b.apply("add", [s, c], {})
        ev = torch.linalg.eigvalsh(b.vals[a].t)
        if n > 1 and float((ev[..., 1:] - ev[..., :-1]).min()) < 0.5:
            return False
        u = b.apply("eigh_v", [a], {})
        tail = EIG_TAILS[(index // 2) % len(EIG_TAILS)]
        if tail == "abs":
            if not far_from(b.vals[u].t, [0.0], 1e-2):
                return False
            b.apply("abs", [u], {})
        elif tail == "reconstruct":  # U diag(w) U^T
            w = b.add_input([n], rng.random() < 0.7)
            b.apply("matmul", [b.apply("mul", [u, w], {}), b.apply("mT", [u], {})], {})
        elif tail == "projector":  # onto the first k eigenvectors
            k = rng.randint(1, n)
            uk = b.apply("narrow", [u], {"dim": "-1", "start": str(rng.randint(0, n - k)), "length": str(k)})
            b.apply("matmul", [uk, b.apply("mT", [uk], {})], {})
        else:  # (U^T v)^2
            v = b.add_input([n], True)
            b.apply("square", [b.apply("matmul", [b.apply("mT", [u], {}), v], {})], {})
    else:
        m, n = rng.randint(1, 4), rng.randint(1, 4)
        tail = SVD_TAILS[(index // 2) % len(SVD_TAILS)]
        if tail == "complement":
            while m == n:
                m = rng.randint(1, 4)
        k = min(m, n)
        x = b.add_input(batch + [m, n], True)
        sv = torch.linalg.svdvals(b.vals[x].t)
        if float(sv.min()) < 0.3 or (k > 1 and float((sv[..., :-1] - sv[..., 1:]).min()) < 0.3):
            return False
        full = {"full": "1"}
        if tail == "abs":
            u = b.apply(rng.choice(["svd_u", "svd_vh"]), [x], full)
            which = "-1" if b.ops[-1][0] == "svd_u" else "-2"
            uk = b.apply("narrow", [u], {"dim": which, "start": "0", "length": str(k)})
            if not far_from(b.vals[uk].t, [0.0], 1e-2):
                return False
            b.apply("abs", [uk], {})
        elif tail == "reconstruct":  # U[:, :r] diag(f(S[:r])) Vh[:r]
            r = rng.randint(1, k)
            u = b.apply("narrow", [b.apply("svd_u", [x], full)], {"dim": "-1", "start": "0", "length": str(r)})
            sv_ = b.apply("narrow", [b.apply("svd_s", [x], full)], {"dim": "-1", "start": "0", "length": str(r)})
            sv_ = b.apply(rng.choice(["square", "sqrt", "neg"]), [sv_], {})
            vh = b.apply("narrow", [b.apply("svd_vh", [x], full)], {"dim": "-2", "start": "0", "length": str(r)})
            us = b.apply("mul", [u, b.apply("unsqueeze", [sv_], {"dim": "-2"})], {})
            b.apply("matmul", [us, vh], {})
        elif tail in ("left_projector", "right_projector"):
            r = rng.randint(1, k)
            if tail == "left_projector":
                u = b.apply("narrow", [b.apply("svd_u", [x], full)], {"dim": "-1", "start": "0", "length": str(r)})
                b.apply("matmul", [u, b.apply("mT", [u], {})], {})
            else:
                vh = b.apply("narrow", [b.apply("svd_vh", [x], full)], {"dim": "-2", "start": "0", "length": str(r)})
                b.apply("matmul", [b.apply("mT", [vh], {}), vh], {})
        else:  # the projector onto the completion columns U[:, k:] (m > n) or rows Vh[k:] (m < n)
            c = b.add_input([max(m, n), max(m, n)], False)  # a weighting, so the loss is not constant
            if m > n:
                u = b.apply("narrow", [b.apply("svd_u", [x], full)], {"dim": "-1", "start": str(k), "length": str(m - k)})
                p = b.apply("matmul", [u, b.apply("mT", [u], {})], {})
            else:
                vh = b.apply("narrow", [b.apply("svd_vh", [x], full)], {"dim": "-2", "start": str(k), "length": str(n - k)})
                p = b.apply("matmul", [b.apply("mT", [vh], {}), vh], {})
            b.apply("mul", [p, c], {})
            b.fd = True  # PyTorch drops the gradient of the completion (see the docs)
    if rng.random() < 0.4:  # on the (gauge-invariant) result only
        b.apply(rng.choice(["sin", "tanh", "square", "atan"]), [len(b.vals) - 1], {})
    return True


TORCH_OPS.update({
    "softmax": lambda x, a: x[0].softmax(int(a["dim"])),
    "log_softmax": lambda x, a: x[0].log_softmax(int(a["dim"])),
    "pow_t": lambda x, a: x[0].pow(x[1]),
    "movedim": lambda x, a: x[0].movedim(int(a["src"]), int(a["dst"])),
})
ERROR_KINDS.append(("only supported on matrices or batches of matrices", "dims"))
SEMANTICS_VARIANTS = ["promote_float", "promote_int", "int_ops", "inplace_wider", "empty",
                      "nan", "shapes", "solve_shapes"]


def semantics_program(b, index):
    """Dtype promotion, NaN, empty tensors and shape rules (issue 11, items 4 to 7)."""
    rng = b.rng
    variant = SEMANTICS_VARIANTS[index % len(SEMANTICS_VARIANTS)]
    binary = ["add", "sub", "mul", "div", "maximum", "minimum", "atan2", "where"]
    if variant == "promote_float":  # a 0-d operand does not promote a dimensioned one
        lo, hi = rng.sample(["f32", "f64"], 2)
        x = b.add_input(grad_shape(rng), True, dtype=lo)
        c = b.add_input([], rng.random() < 0.5, torch.tensor(rng.choice([1.5, -2.0, 0.75])), hi)
        name = binary[(index // len(SEMANTICS_VARIANTS)) % len(binary)]
        if name == "where":
            m = b.add_input(list(b.vals[x].t.shape), False, mask_tensor(rng, list(b.vals[x].t.shape)), "b8")
            b.apply("where", [m, x, c] if rng.random() < 0.5 else [m, c, x], {})
        else:
            b.apply(name, [x, c] if rng.random() < 0.5 else [c, x], {})
    elif variant == "promote_int":  # int tensors with float 0-d tensors, and int with int
        x = b.add_input(grad_shape(rng), False, dtype="i64")
        fl = rng.choice(["f32", "f64", "i64"])
        c = b.add_input([], fl != "i64" and rng.random() < 0.6, torch.tensor(rng.choice([2.0, 3.0, -1.0])), fl)
        name = rng.choice(["add", "sub", "mul", "maximum", "minimum"] + (["div"] if fl != "i64" else []))
        r = b.apply(name, [x, c] if rng.random() < 0.5 else [c, x], {})
        if fl != "i64":
            b.apply("sin", [r], {})
    elif variant == "int_ops":  # int pow stays int; int clamp with float bounds is float
        x = b.add_input(grad_shape(rng), False, dtype="i64")
        kind = rng.choice(["pow_t", "clamp", "clamp_swapped", "bool_pow"])
        if kind == "pow_t":
            e = b.add_input(broadcast_partner(rng, list(b.vals[x].t.shape)), False,
                            None, "i64")
            e_t = b.inputs[-1][3].abs()
            b.inputs[-1] = ("i64", list(e_t.shape), False, e_t)
            b.vals[-1] = LiveValue(e_t.clone())
            b.apply("pow_t", [x, e], {})
        elif kind == "clamp":
            b.apply("clamp", [x], {"lo": "0.5", "hi": "2.5"})
        elif kind == "clamp_swapped":  # min > max: every element becomes max
            y = b.add_input(grad_shape(rng), True)
            b.apply("clamp", [y], {"lo": "1.0", "hi": "-0.5"})
        else:
            m = b.add_input(grad_shape(rng), False, mask_tensor(rng, grad_shape(rng)), "b8")
            # an integer exponent: paragrad's pow(double) takes an integral value as one (its C++
            # API cannot tell 2 from 2.0; bool.pow(2.0) is float32 in PyTorch, see the docs)
            b.apply("pow", [m], {"p": "2"})
    elif variant == "inplace_wider":  # f32.add_(f64), f32.mul_(f64): computed in f32 as PyTorch
        x = b.add_input(grad_shape(rng), True, dtype="f32")
        y = b.apply("clone", [x], {})
        o = b.add_input(broadcast_partner(rng, list(b.vals[x].t.shape)), rng.random() < 0.7, dtype="f64")
        r = b.apply(rng.choice(["add_", "mul_t_", "copy_"]), [y, o], {"alpha": "0.5"})
        b.apply("mul", [r, x], {})
    elif variant == "empty":  # a zero-size dim beside the reduced one
        s = [rng.randint(1, 3), 0] if rng.random() < 0.5 else [0, rng.randint(1, 3), 2]
        x = b.add_input(s, True)
        name = rng.choice(["softmax", "log_softmax", "logsumexp", "amax", "logsumexp_empty"])
        nonempty = [d for d, n in enumerate(s) if n]
        if name == "logsumexp_empty":  # over the empty dim: -inf
            b.apply("logsumexp", [x], {"dims": str(s.index(0)), "keepdim": rng.choice("01")})
        elif name in ("softmax", "log_softmax"):
            b.apply(name, [x], {"dim": str(rng.choice(nonempty))})
        else:
            b.apply(name, [x], {"dims": str(rng.choice(nonempty)), "keepdim": rng.choice("01")})
    elif variant == "nan":  # NaN propagates through relu, maximum, amax, clamp (values only)
        t = b.rand_tensor([rng.randint(2, 4)])
        t[rng.randrange(t.numel())] = float("nan")
        x = b.add_input(list(t.shape), False, t)
        name = rng.choice(["relu", "maximum", "minimum", "amax", "clamp", "abs", "sigmoid"])
        if name in ("maximum", "minimum"):
            b.apply(name, [x, b.add_input(list(t.shape), False)], {})
        elif name == "amax":
            b.apply("amax", [x], {"dims": "0", "keepdim": "0"})
        elif name == "clamp":
            b.apply("clamp", [x], {"lo": "-0.5", "hi": "0.5"})
        else:
            b.apply(name, [x], {})
    elif variant == "shapes":  # movedim/mT on 0-d, movedim generally
        if rng.random() < 0.4:
            x = b.add_input([], True)
            b.apply(rng.choice(["movedim", "mT"]), [x], {"src": "0", "dst": "-1"})
        else:
            x = b.add_input(grad_shape(rng, 2), True)
            nd = b.vals[x].t.dim()
            b.apply("movedim", [x], {"src": str(rng.randrange(-nd, nd)), "dst": str(rng.randrange(-nd, nd))})
        continue_steps(b, 0, 1)
    else:  # solve's batch and vector right-hand side rules
        n = rng.randint(1, 3)
        batch = rng.choice([[], [1], [2], [2, 1]])
        x = b.add_input(batch + [n, n], True)
        a = b.apply("add", [x, b.add_input([n, n], False, torch.eye(n) * (n + 1.0))], {})
        rhs = rng.choice([[n], batch + [n], batch + [n, 1], batch[-1:] + [n, 2], [1] + [n]])
        b.apply("solve", [a, b.add_input(rhs, rng.random() < 0.7)], {})
    return True


def subgraph_program(b, index):
    """autograd.grad runs only the part of the graph that leads to the inputs asked for (issue
    11, item 3): x requires grad but is not asked for; a tensor saved on x's side only is
    written in place, which must not matter; written on y's side, backward raises."""
    rng = b.rng
    s = grad_shape(rng)
    x = b.add_input(s, "unasked")
    y = b.add_input(s, True)
    shared = b.apply(rng.choice(["mul", "add", "atan2"]), [x, y], {})  # a lower graph both use
    xs = b.apply(rng.choice(["exp", "tanh", "sigmoid", "clone"]), [x], {})
    xo = b.apply(rng.choice(["square", "sin", "exp"]), [xs], {})
    on_y = index % 4 == 3  # the control: the written tensor is saved on y's path
    target = xs
    if on_y:
        ys = b.apply("clone", [shared], {})
        yo = b.apply(rng.choice(["square", "sin", "exp"]), [ys], {})
        target = ys
    inplace_write(b, target if rng.random() < 0.6 else take_view(b, target), False)
    parts = [xo, yo if on_y else shared]
    sums = [b.apply("sum", [p], {"dims": "", "keepdim": "0"}) for p in parts]
    out = b.apply("add", sums, {})
    b.apply("mul", [out, b.apply("sum", [y], {"dims": "", "keepdim": "0"})], {})
    return True


FAMILIES = {
    # family: number of programs
    "elementwise": 90, "reduction": 70, "view": 70, "matmul": 40, "linalg": 72, "inplace": 30,
    "zero_size": 30, "float32": 50, "int64": 40,
    "inplace_grad": 96, "indexing": 80, "vectors": 60, "semantics": 64, "subgraph": 16,
    "inplace_grad_f32": 24, "indexing_f32": 20,
}
LIVE_FAMILIES = {"inplace_grad": inplace_grad_program, "indexing": indexing_program,
                 "vectors": vectors_program, "semantics": semantics_program,
                 "subgraph": subgraph_program, "inplace_grad_f32": inplace_grad_program,
                 "indexing_f32": indexing_program}


def draw(rng, family, index):
    dtype = "f32" if family in ("float32", "inplace_grad_f32", "indexing_f32") else "i64" if family == "int64" else "f64"
    if family in LIVE_FAMILIES:
        b = LiveBuilder(rng, dtype)
        return None if LIVE_FAMILIES[family](b, index) is False else b
    b = Builder(rng, dtype)
    allow_zero = family == "zero_size"
    if family == "linalg":
        if not linalg_program(b, index):
            return None
        return b
    if family == "inplace":
        inplace_steps(b)  # the program continues from the in-place result mixed with x
        shape = list(b.vals[-1].t.shape)
        x0 = len(b.vals) - 1
    else:
        shape = rand_shape(rng, allow_zero)
        if allow_zero and 0 not in shape:
            shape = shape + [0] if len(shape) < 3 else [0] + shape[1:]
        x0 = b.add_input(shape, dtype != "i64")
    if family == "reduction" and rng.random() < 0.4 and len(shape) >= 1:
        grad = True
        # plant zeros for prod/cumprod, often two in one reduced slice (PyTorch's double backward
        # is wrong there: it treats the gradient of a slice with several zeros as constant zero)
        name = rng.choice(["prod", "cumprod", "prod_all"]) if shape else "prod_all"
        dim = rng.randrange(len(shape)) if shape else 0
        t = b.vals[x0].t
        if t.numel():
            if shape and shape[dim] >= 2 and (name == "prod_all" or rng.random() < 0.7):
                index = [rng.randrange(d) for d in shape]
                for k in rng.sample(range(shape[dim]), 2):
                    index[dim] = k
                    t[tuple(index)] = 0.0
            else:
                t.reshape(-1)[rng.randrange(t.numel())] = 0.0
        b.inputs[-1] = (dtype, shape, grad, t.clone())
        attrs = {"dim": str(dim)} if name != "prod_all" else {}
        if name == "prod":
            attrs["keepdim"] = rng.choice("01")
        b.apply(name, [x0], attrs)
        b.fd = True
    weights = {"elementwise": (6, 1, 1, 1), "reduction": (2, 4, 1, 1), "view": (2, 1, 5, 1),
               "matmul": (2, 1, 1, 3), "inplace": (3, 1, 1, 1), "zero_size": (3, 2, 3, 1),
               "float32": (3, 2, 2, 2), "int64": (3, 2, 3, 1)}[family]
    steps = [step_elementwise, step_reduction, step_view, step_matmul]
    for _ in range(rng.randint(2, 6)):
        rng.choices(steps, weights)[0](b, allow_zero)
    return b


def results(b, w=None, vs=None):
    """PyTorch's value, gradients and HVPs for the program (rerun from the inputs)."""
    ins, vals = [], []
    for kind, k in b.order:
        if kind == "input":
            x = b.inputs[k][3].clone()
            if b.inputs[k][2]:
                x.requires_grad_(True)
            if b.inputs[k][2] is True:  # not "unasked": requires grad, its gradient not asked
                ins.append(x)  # (a buffer written from x requires grad later: not an input here)
            vals.append(x)
        else:
            name, operands, attrs = b.ops[k]
            try:
                vals.append(run_op(name, [vals[i] for i in operands], attrs))
            except (RuntimeError, IndexError) as e:
                assert error_kind(e), "unclassified PyTorch error: %s" % e
                return {"raises": ("forward", error_kind(e))}
    out = vals[-1]
    res = {"value": out.detach().clone()}
    gin = ins
    if not out.requires_grad or not gin:
        return res
    w = b.rand_tensor(list(out.shape), -1.0, 1.0) if w is None else w
    loss = (out * w).sum()
    try:
        gs = torch.autograd.grad(loss, gin, create_graph=True, allow_unused=True)
    except RuntimeError as e:
        if error_kind(e) is None:
            raise  # PyTorch's own failure (a bug of its backward): main() skips the program
        res.update(cotangent=w, raises=("backward", error_kind(e)))
        return res
    gs = [torch.zeros_like(x) if g is None else g for g, x in zip(gs, gin)]
    vs = [b.rand_tensor(list(x.shape), -1.0, 1.0) for x in gin] if vs is None else vs
    dot = sum((g * v).sum() for g, v in zip(gs, vs))
    if dot.requires_grad:
        hv = torch.autograd.grad(dot, gin, allow_unused=True)
        hv = [torch.zeros_like(x) if h is None else h for h, x in zip(hv, gin)]
    else:
        hv = [torch.zeros_like(x) for x in gin]
    res.update(cotangent=w, grads=[g.detach() for g in gs], tangents=vs, hvps=[h.detach() for h in hv])
    return res


def torch_disagrees_with_fd(b, res):
    """For `check fd` programs: whether PyTorch's own HVP differs from central differences of its
    gradient (float64), i.e. where the finite-difference arbitration matters."""
    if "hvps" not in res:
        return False
    h = 1e-6

    def grads_at(sign):
        saved = [inp[3] for inp in b.inputs]
        gi = [k for k, inp in enumerate(b.inputs) if inp[2] is True]
        for k, v in zip(gi, res["tangents"]):
            d, s_, g, t = b.inputs[k]
            b.inputs[k] = (d, s_, g, (t.double() + sign * h * v.double()).to(t.dtype))
        try:
            r = results(b, res["cotangent"], res["tangents"])
        finally:
            for k, t in enumerate(saved):
                d, s_, g, _ = b.inputs[k]
                b.inputs[k] = (d, s_, g, t)
        return r["grads"]

    gp, gm = grads_at(1.0), grads_at(-1.0)
    for a, c, hv in zip(gp, gm, res["hvps"]):
        fd = (a - c) / (2 * h)
        if not torch.allclose(fd.double(), hv.double(), rtol=1e-4, atol=1e-5 * max(1.0, float(fd.abs().max()) if fd.numel() else 1.0)):
            return True
    return False


def finite(res):
    for k, v in res.items():
        if k == "raises":
            continue
        for t in v if isinstance(v, list) else [v]:
            if t.dtype != torch.int64 and t.numel() and not bool((t.isfinite() & (t.abs() < 1e5)).all()):
                return False
    return True


def render(pid, seed, b, res):
    lines = ["program %d seed %d%s" % (pid, seed, " check fd" if b.fd else "")]
    for kind, k in b.order:
        if kind == "input":
            dtype, shape, grad, t = b.inputs[k]
            flag = "grad" if grad is True else "grad_unasked" if grad == "unasked" else "nograd"
            lines.append("input %s %s %s : %s" % (dtype, fmt_shape(shape), flag,
                                                  fmt_values(t, dtype)))
        else:
            name, operands, attrs = b.ops[k]
            parts = ["op", name] + [str(i) for i in operands] + ["%s=%s" % kv for kv in sorted(attrs.items())]
            lines.append(" ".join(parts))
    if "value" not in res:  # PyTorch raised at the last op
        lines.append("raises forward %s" % res["raises"][1])
        lines.append("end")
        return "\n".join(lines) + "\n"
    v = res["value"]
    vdtype = {torch.float64: "f64", torch.float32: "f32", torch.int64: "i64"}[v.dtype]
    lines.append("value %s %s : %s" % (vdtype, fmt_shape(list(v.shape)), fmt_values(v, vdtype)))
    if "raises" in res:  # PyTorch raised in backward
        lines.append("cotangent : " + fmt_values(res["cotangent"], b.dtype))
        lines.append("raises backward %s" % res["raises"][1])
    if "grads" in res:
        lines.append("cotangent : " + fmt_values(res["cotangent"], b.dtype))
        # value ids of the inputs that require grad (ids count inputs and ops in order)
        gi = [vid for vid, (kind, k) in enumerate(b.order) if kind == "input" and b.inputs[k][2] is True]
        for k, g, t, h in zip(gi, res["grads"], res["tangents"], res["hvps"]):
            lines.append("grad %d : %s" % (k, fmt_values(g, b.dtype)))
            lines.append("tangent %d : %s" % (k, fmt_values(t, b.dtype)))
            lines.append("hvp %d : %s" % (k, fmt_values(h, b.dtype)))
    lines.append("end")
    return "\n".join(lines) + "\n"


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    pid = 0
    torch_wrong = []
    for fi, (family, count) in enumerate(FAMILIES.items()):
        text = ["# %s: %d random programs, PyTorch %s; generated by scripts/oracle/differential_oracle.py\n"
                % (family, count, torch.__version__)]
        made, seed = 0, 1000003 * (fi + 1)
        while made < count:
            seed += 1
            rng = random.Random(seed)
            try:
                b = draw(rng, family, made)
            except (RuntimeError, IndexError, ValueError):
                continue  # an op drawn outside its domain: draw again
            if b is None or not b.ops:
                continue
            try:
                res = results(b)
            except RuntimeError as e:  # PyTorch's backward fails: not a program this test keeps
                print("seed %d: skipped, %s" % (seed, e), file=sys.stderr)
                continue
            if family != "semantics" and not finite(res):
                continue
            if b.fd and b.dtype == "f64" and torch_disagrees_with_fd(b, res):
                torch_wrong.append((pid, seed, sorted({op[0] for op in b.ops})))
            text.append(render(pid, seed, b, res))
            pid += 1
            made += 1
        with open(os.path.join(OUT_DIR, family + ".txt"), "w") as f:
            f.write("".join(text))
    print("wrote %d programs to %s" % (pid, os.path.normpath(OUT_DIR)), file=sys.stderr)
    print("%d `check fd` programs where PyTorch's HVP differs from finite differences:" % len(torch_wrong),
          file=sys.stderr)
    for pid, seed, ops in torch_wrong:
        print("  program %d seed %d: %s" % (pid, seed, " ".join(ops)), file=sys.stderr)


if __name__ == "__main__":
    main()
