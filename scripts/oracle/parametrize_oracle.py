#!/usr/bin/env python3
"""Reference values for tests/parametrize from PyTorch (python3-torch 1.13).

Writes tests/parametrize/oracle_values.hpp: inputs and PyTorch's outputs, as C++ literals, for
orthogonal, spectral_norm and weight_norm. The tests never need PyTorch; rerun this script (with
/usr/bin/python3) only to regenerate the header.

Everything runs in float64 with fixed inputs: the random parts of PyTorch's parametrizations
(spectral_norm's initial u, v; orthogonal's completion of non-square bases) are replaced by
state loaded into both implementations, or avoided.
"""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.utils.parametrize as P
from torch.nn.utils import parametrizations

torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "parametrize",
                   "oracle_values.hpp")

lines = []


def emit(name, t):
    """A tensor as `const std::vector<double> name = {...}; const Shape name_shape = {...};`."""
    t = torch.as_tensor(t).detach().to(torch.float64)
    vals = ", ".join(repr(float(x)) for x in t.flatten().tolist())
    shape = ", ".join(str(s) for s in t.shape)
    lines.append(f"inline const std::vector<double> {name} = {{{vals}}};")
    lines.append(f"inline const Shape {name}_shape = {{{shape}}};")


def holder(weight):
    m = nn.Module()
    m.weight = nn.Parameter(weight.clone())
    return m


# --- inputs -------------------------------------------------------------------------------------
W33 = torch.tensor([[0.5, -1.2, 0.3], [0.8, 0.1, -0.7], [-0.4, 0.9, 1.1]])
W42 = torch.tensor([[0.2, -0.5], [1.0, 0.3], [-0.6, 0.8], [0.4, 0.1]])
W24 = W42.t().contiguous()
X33 = torch.tensor([[-1.0, 0.4, -0.2], [0.3, 1.0, 0.5], [-0.6, 0.2, -1.0]])  # diag ±1
W234 = torch.tensor([[[0.3, -0.1, 0.8, 0.2], [0.5, 0.7, -0.3, 0.4], [-0.9, 0.2, 0.1, 0.6]],
                     [[0.1, 0.4, -0.5, 0.3], [-0.2, 0.6, 0.9, -0.8], [0.7, -0.3, 0.2, 0.5]]])
U3 = torch.tensor([0.6, -0.8, 0.0])
V4 = torch.tensor([0.5, 0.5, -0.5, 0.5])
for name, t in [("W33", W33), ("W42", W42), ("X33", X33), ("W234", W234), ("U3", U3), ("V4", V4)]:
    emit(name, t)

# --- orthogonal ---------------------------------------------------------------------------------
with torch.no_grad():
    # Default (square: matrix_exp, trivialization): the weight becomes Q of QR with diag(R) > 0.
    m = holder(W33)
    parametrizations.orthogonal(m)
    emit("orth_square_initial", m.weight)
    # With original X, each map.
    for mp in ["matrix_exp", "cayley", "householder"]:
        m = holder(W33)
        parametrizations.orthogonal(m, orthogonal_map=mp)
        m.parametrizations.weight.original.copy_(X33)
        emit(f"orth_{mp}_of_X33", m.weight)
    # No trivialization: matrix_exp/cayley keep the weight as original (right_inverse raises).
    for mp in ["matrix_exp", "cayley"]:
        for name, W in [("W42", W42), ("W24", W24)]:
            m = holder(W)
            parametrizations.orthogonal(m, orthogonal_map=mp, use_trivialization=False)
            emit(f"orth_{mp}_notriv_{name}", m.weight)
    # householder without trivialization: original from geqrf, weight = Q of QR.
    for name, W in [("W42", W42), ("W24", W24), ("W33", W33)]:
        m = holder(W)
        parametrizations.orthogonal(m, orthogonal_map="householder", use_trivialization=False)
        emit(f"orth_householder_notriv_{name}_original", m.parametrizations.weight.original)
        emit(f"orth_householder_notriv_{name}", m.weight)
    # Batched square: per-matrix QR.
    B = W234[:, :, :3].contiguous()
    emit("W233", B)
    m = holder(B)
    parametrizations.orthogonal(m)
    emit("orth_batched_initial", m.weight)

# --- spectral_norm ------------------------------------------------------------------------------
m = holder(W234[0].clone())  # [3, 4]
parametrizations.spectral_norm(m)
with torch.no_grad():
    m.parametrizations.weight[0]._u.copy_(U3)
    m.parametrizations.weight[0]._v.copy_(V4)
m.eval()
emit("sn_eval", m.weight)
m.train()
w = m.weight
emit("sn_train1", w)
emit("sn_train1_u", m.parametrizations.weight[0]._u)
emit("sn_train1_v", m.parametrizations.weight[0]._v)
# gradient of sum(weight * R) w.r.t. the original, in eval mode (fixed u, v), on a fresh module
m = holder(W234[0].clone())
parametrizations.spectral_norm(m)
with torch.no_grad():
    m.parametrizations.weight[0]._u.copy_(U3)
    m.parametrizations.weight[0]._v.copy_(V4)
m.eval()
R = torch.arange(12.).reshape(3, 4) / 10
(m.weight * R).sum().backward()
emit("sn_eval_grad", m.parametrizations.weight.original.grad)
# three iterations
m = holder(W234[0].clone())
parametrizations.spectral_norm(m, n_power_iterations=3)
with torch.no_grad():
    m.parametrizations.weight[0]._u.copy_(U3)
    m.parametrizations.weight[0]._v.copy_(V4)
emit("sn_train3", m.weight)
# dim=1 of a [2, 3, 4] weight: the matrix is [3, 8]
m = holder(W234.clone())
parametrizations.spectral_norm(m, dim=1)
U3b = torch.tensor([0.0, 0.6, 0.8])
V8 = torch.full((8,), 8 ** -0.5)
with torch.no_grad():
    m.parametrizations.weight[0]._u.copy_(U3b)
    m.parametrizations.weight[0]._v.copy_(V8)
emit("U3b", U3b)
emit("V8", V8)
emit("sn_dim1_train1", m.weight)
# 1-d weight: exact normalization
m = holder(torch.tensor([3.0, -4.0, 12.0]))
parametrizations.spectral_norm(m)
emit("sn_1d", m.weight)
# converged sigma
emit("sigma_W34", torch.linalg.matrix_norm(W234[0], 2))

# --- weight_norm (torch._weight_norm / norm_except_dim; parametrizations.weight_norm is 2.1) ------
for dim, tag in [(0, "0"), (1, "1"), (-1, "all")]:
    g = torch.norm_except_dim(W234, 2, dim)
    emit(f"wn_g_dim{tag}", g)
    g2 = (g * 1.5 + 0.1).requires_grad_()
    v = (W234 + 0.05).requires_grad_()
    w = torch._weight_norm(v, g2, dim)
    emit(f"wn_g2_dim{tag}", g2)
    emit(f"wn_w_dim{tag}", w)
    R = torch.arange(24.).reshape(2, 3, 4) / 10
    (w * R).sum().backward()
    emit(f"wn_grad_g_dim{tag}", g2.grad)
    emit(f"wn_grad_v_dim{tag}", v.grad)

header = [
    "#pragma once",
    "// Generated by scripts/oracle/parametrize_oracle.py with PyTorch " + torch.__version__ + ".",
    "// Do not edit: rerun the script. Values are float64, row-major.",
    "#include <vector>",
    "",
    "#include <paragrad/paragrad.hpp>",
    "",
    "namespace paragrad::test::oracle {",
    "",
]
with open(OUT, "w") as f:
    f.write("\n".join(header + lines + ["", "}  // namespace paragrad::test::oracle", ""]))
print(f"wrote {os.path.normpath(OUT)} ({len(lines) // 2} tensors)", file=sys.stderr)
