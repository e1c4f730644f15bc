#!/usr/bin/python3
"""PyTorch 1.13's shape rules for every torch.linalg function paragrad has (tests/linalg).

Run offline:
    /usr/bin/python3 scripts/oracle/linalg_shapes_oracle.py > tests/linalg/linalg_shapes_oracle.hpp

A generator over shapes: square, tall, wide, 0-d, 1-d, zero-size and batched inputs, with batch
broadcasting and vector right-hand sides for solve. Inputs are specs "dtype:shape:fill" as in
semantics_oracle.py (tests/oracle_cases.hpp builds the same tensors); fill "s" makes a symmetric
positive-definite batch M Mᵀ/n + I from the pattern "a" M when the shape is square (so every
square input is invertible and well conditioned; other shapes keep M), fill "a"/"b" are the
plain patterns. Each case records whether PyTorch
raises, else the dtype and shape, the values where they are unique (not for U, V, Q, R or
eigenvectors, whose signs are a convention; then only the shape is kept) and the gradient of
sum(result) for float64 inputs where that is unique too.
"""
import itertools
import math

import torch

from semantics_oracle import DTYPES, NAMES, fill_value, print_header

L = torch.linalg


def make(spec):
    dtype, shape, fill = spec.split(":")
    shape = [int(s) for s in shape.split(",")] if shape else []
    n = math.prod(shape)
    base = "a" if fill == "s" else fill
    vals = [fill_value(base, dtype, k) for k in range(n)]
    t = torch.tensor(vals, dtype=DTYPES[dtype]).reshape(shape)
    if fill == "s" and len(shape) >= 2 and shape[-1] == shape[-2]:  # symmetric positive-definite
        m = shape[-1]
        t = t @ t.mT / max(m, 1) + torch.eye(m, dtype=t.dtype)
    return t


# name -> (function, whether values and gradients are unique)
OPS = {
    "svd_U": (lambda A: L.svd(A)[0], False),
    "svd_S": (lambda A: L.svd(A)[1], True),
    "svd_Vh": (lambda A: L.svd(A)[2], False),
    "svd_reduced_U": (lambda A: L.svd(A, full_matrices=False)[0], False),
    "svd_reduced_Vh": (lambda A: L.svd(A, full_matrices=False)[2], False),
    "svdvals": (L.svdvals, True),
    "qr_Q": (lambda A: L.qr(A)[0], False),
    "qr_R": (lambda A: L.qr(A)[1], False),
    "qr_complete_Q": (lambda A: L.qr(A, mode="complete")[0], False),
    "qr_complete_R": (lambda A: L.qr(A, mode="complete")[1], False),
    "qr_r_Q": (lambda A: L.qr(A, mode="r")[0], False),
    "qr_r_R": (lambda A: L.qr(A, mode="r")[1], False),
    "eigh_L": (lambda A: L.eigh(A)[0], True),
    "eigh_V": (lambda A: L.eigh(A)[1], False),
    "eigvalsh": (L.eigvalsh, True),
    "inv": (L.inv, True),
    "det": (L.det, True),
    "slogdet_sign": (lambda A: L.slogdet(A)[0], True),
    "slogdet_logabs": (lambda A: L.slogdet(A)[1], True),
    "cholesky": (L.cholesky, True),
    "matrix_exp": (L.matrix_exp, True),
    "matrix_rank": (L.matrix_rank, True),
    "matrix_rank_tol": (lambda A: L.matrix_rank(A, tol=0.5), True),
    "pinv": (L.pinv, True),
    "solve": (L.solve, True),
    "householder_product": (L.householder_product, True),
}
for ord_name, ord_value in (("fro", "fro"), ("nuc", "nuc"), ("2", 2), ("-2", -2), ("1", 1),
                            ("-1", -1), ("inf", math.inf), ("-inf", -math.inf)):
    OPS[f"matrix_norm_{ord_name}"] = (lambda A, o=ord_value: L.matrix_norm(A, o), True)
for ord_name, ord_value in (("2", 2), ("1", 1), ("inf", math.inf), ("-inf", -math.inf),
                            ("0", 0), ("3", 3), ("-1", -1), ("0.5", 0.5)):
    OPS[f"vector_norm_{ord_name}"] = (lambda x, o=ord_value: L.vector_norm(x, o), True)
    OPS[f"vector_norm_{ord_name}_dim0"] = (lambda x, o=ord_value: L.vector_norm(x, o, dim=0),
                                           True)
    OPS[f"vector_norm_{ord_name}_dim-1_keep"] = (
        lambda x, o=ord_value: L.vector_norm(x, o, dim=-1, keepdim=True), True)
    OPS[f"vector_norm_{ord_name}_dims01"] = (
        lambda x, o=ord_value: L.vector_norm(x, o, dim=(0, 1)), True)

MATRIX_SHAPES = ["3,3", "4,3", "3,4", "2,4,3", "2,3,4", "2,1,3,3", "1,1,1", "1,1", "0,0",
                 "0,3", "3,0", "2,0,0", "0,3,3", "2,3,3", "3", ""]
SQUARE_SHAPES = ["3,3", "2,3,3", "2,1,3,3", "1,1,1", "1,1", "0,0", "2,0,0", "0,3,3", "3,4",
                 "3", ""]
VECTOR_SHAPES = ["4", "2,3", "0,3", "3,0", "", "0", "2,1,3"]


def run(name, specs):
    fn, unique = OPS[name]
    xs = [make(s) for s in specs]
    grad_inputs = [x.requires_grad_() for x in xs if x.dtype == torch.float64]
    try:
        y = fn(*xs)
    except (RuntimeError, IndexError, ValueError, TypeError):
        return dict(op=name, inputs=specs, raises=True)
    case = dict(op=name, inputs=specs, raises=False, dtype=NAMES[y.dtype], shape=list(y.shape),
                values=[], grads=[])
    if unique or y.numel() == 0:
        case["values"] = [float(v) for v in y.detach().reshape(-1).tolist()]
    if unique and y.requires_grad and grad_inputs:
        try:
            gs = torch.autograd.grad(y.sum(), grad_inputs, allow_unused=True)
        except RuntimeError as e:
            # PyTorch's own backward fails (e.g. solve's with a [1, 1] A and a broadcast vector
            # B): central finite differences give the gradient instead.
            FD_CASES.append(f"{name}({', '.join(specs)}): {str(e)[:70]}")
            gs = [finite_difference(fn, xs, x) for x in grad_inputs]
        case["grads"] = [[0.0] * x.numel() if g is None else
                         [float(v) for v in g.reshape(-1).tolist()]
                         for x, g in zip(grad_inputs, gs)]
    return case


FD_CASES = []  # cases whose gradient PyTorch cannot compute (listed in the header)


def finite_difference(fn, xs, x, eps=1e-6):
    """d sum(fn(xs)) / d x by central differences (x is one of xs)."""
    g = torch.zeros_like(x)
    with torch.no_grad():
        flat, gflat = x.view(-1), g.view(-1)
        for i in range(flat.numel()):
            orig = flat[i].item()
            flat[i] = orig + eps
            plus = fn(*xs).sum().item()
            flat[i] = orig - eps
            minus = fn(*xs).sum().item()
            flat[i] = orig
            gflat[i] = (plus - minus) / (2 * eps)
    return g


def batch_variants(core):
    """core (a matrix shape) under the batch shapes [], [2], [1], [2, 1]."""
    return [",".join(str(s) for s in b + core) for b in ([], [2], [1], [2, 1])]


def cases():
    out = []
    square_ops = ["eigh_L", "eigh_V", "eigvalsh", "inv", "det", "slogdet_sign", "slogdet_logabs",
                  "cholesky", "matrix_exp"]
    general_ops = [n for n in OPS if n.startswith(("svd", "qr", "matrix_norm", "matrix_rank"))]
    general_ops.append("pinv")
    for name in square_ops:
        for sh in SQUARE_SHAPES:
            out.append(run(name, [f"f64:{sh}:s"]))
        out.append(run(name, ["f32:2,3,3:s"]))
        out.append(run(name, ["i64:3,3:a"]))
    for name in general_ops:
        for sh in MATRIX_SHAPES:
            out.append(run(name, [f"f64:{sh}:a"]))
        out.append(run(name, ["f32:2,4,3:a"]))
    for name in (n for n in OPS if n.startswith("vector_norm")):
        for sh in VECTOR_SHAPES:
            out.append(run(name, [f"f64:{sh}:a"]))
    # solve: A [batch..., n, n] with B a vector or a matrix, batch broadcasting both ways.
    a_batches = [[], [2], [1], [2, 1], [0]]
    b_batches = [[], [2], [1], [5], [5, 2], [0]]
    for n in (3, 1, 0):
        for ab, bb in itertools.product(a_batches, b_batches):
            A = ",".join(str(s) for s in ab + [n, n])
            for tail in ([n], [n, 2], [n, 1], [2, n], [n + 1]):
                B = ",".join(str(s) for s in bb + tail)
                out.append(run("solve", [f"f64:{A}:s", f"f64:{B}:b"]))
    out.append(run("solve", ["f64:3,3:s", "f32:3:b"]))
    out.append(run("solve", ["f64:3,3:s", "f64::b"]))
    out.append(run("solve", ["f64:3:b", "f64:3:b"]))
    # householder_product: A [..., m, n] (m >= n) with tau [..., k] (k <= n), batches equal.
    for a_sh, tau_sh in (("4,3", "2"), ("4,3", "3"), ("4,3", "0"), ("4,3", "4"), ("3,4", "2"),
                         ("2,4,3", "2,3"), ("2,4,3", "3"), ("2,4,3", "1,3"), ("4,3", "2,3"),
                         ("2,1,4,3", "2,1,2"), ("0,4,3", "0,2"), ("0,0", "0"), ("3", "")):
        out.append(run("householder_product", [f"f64:{a_sh}:a", f"f64:{tau_sh}:b"]))
    return out


def main():
    all_cases = cases()
    notes = []
    if FD_CASES:
        notes = ["PyTorch's backward raises for these; their gradients are central finite differences:"]
        notes += [f"  {c}" for c in FD_CASES]
    print_header("linalg_shapes_oracle.py", "linalg_shapes_oracle", {"cases": all_cases}, notes)


if __name__ == "__main__":
    main()
