#!/usr/bin/env python3
"""Reference values for tests/parametrize/test_constraints_maps.cpp from PyTorch (1.13).

Writes tests/parametrize/constraints_oracle.hpp: inputs and outputs, as C++ literals, of the
forward maps that geotorch's constraints and torch share, computed the way geotorch computes them
(with torch's ops): symmetric / skew parts, matrix_exp and the Cayley map of a skew matrix, the
Stiefel map as the first k columns of an n x n exponential (paragrad computes it without the n x n
matrix), the positive and bounded scalar maps and their inverses, the sphere's exponential map and
projection, correlation normalization and the Hurwitz map; plus gradients through the Stiefel and
sphere maps. The tests never need PyTorch; rerun this script (with /usr/bin/python3) to regenerate.
"""
import os
import sys

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "parametrize",
                   "constraints_oracle.hpp")
lines = []


def emit(name, t):
    t = torch.as_tensor(t).detach().to(torch.float64)
    vals = ", ".join(repr(float(x)) for x in t.flatten().tolist())
    shape = ", ".join(str(s) for s in t.shape)
    lines.append(f"inline const std::vector<double> {name} = {{{vals}}};")
    lines.append(f"inline const Shape {name}_shape = {{{shape}}};")


def cayley(A):
    Id = torch.eye(A.shape[-1]).expand_as(A)
    return torch.linalg.solve(Id - A / 2, Id + A / 2)


def stiefel_full(L, triv):
    """geotorch's Stiefel chart with the identity base: triv([L, 0] - [L, 0]^T)[..., :k]."""
    n, k = L.shape[-2:]
    Lp = torch.cat([L, L.new_zeros(L.shape[:-2] + (n, n - k))], dim=-1)
    A = Lp - Lp.transpose(-2, -1)
    Q = torch.linalg.matrix_exp(A) if triv == "expm" else cayley(A)
    return Q[..., :k]


# --- inputs -------------------------------------------------------------------------------------
X44 = torch.tensor([[0.3, -0.7, 0.2, 0.9], [0.5, -0.1, 0.4, -0.6], [-0.8, 0.6, 0.7, 0.1],
                    [0.2, -0.3, -0.5, 0.4]])
L63 = torch.tensor([[0.1, -0.4, 0.3], [0.6, 0.2, -0.5], [-0.3, 0.7, 0.4], [0.5, -0.2, 0.8],
                    [-0.6, 0.1, -0.3], [0.2, 0.9, -0.1]])
L252 = torch.tensor([[[0.3, 0.1], [-0.5, 0.2], [0.4, -0.6], [0.1, 0.7], [-0.2, -0.3]],
                     [[-0.1, 0.5], [0.6, -0.4], [-0.3, 0.2], [0.8, 0.1], [0.2, -0.7]]])
xs = torch.tensor([-30.0, -3.0, -0.5, 0.0, 0.7, 4.0, 25.0])
ys = torch.tensor([1e-4, 0.05, 0.4, 1.0, 3.0, 30.0])
bs = torch.tensor([-0.99, -0.6, -0.1, 0.0, 0.3, 0.8, 0.97])
sph_x = F.normalize(torch.tensor([[0.6, -0.8, 0.0, 0.5], [1.0, 2.0, -2.0, 0.0],
                                  [0.1, 0.2, 0.3, -0.4]]), dim=-1)
sph_v = torch.tensor([[0.2, 0.5, -0.3, 0.1], [-0.4, 0.3, 0.9, -0.2], [0.0, 0.0, 0.0, 0.0]])
sph_v[2] = 2.5 * sph_x[2]  # parallel to x: its tangent part is 0
P33 = torch.tensor([[2.0, 0.3, -0.4], [0.3, 1.5, 0.2], [-0.4, 0.2, 0.8]])
Q33 = torch.tensor([[1.2, -0.1, 0.0], [-0.1, 0.9, 0.3], [0.0, 0.3, 1.1]])
S33 = torch.tensor([[0.0, 0.4, -0.2], [-0.4, 0.0, 0.7], [0.2, -0.7, 0.0]])
for name, t in [("X44", X44), ("L63", L63), ("L252", L252), ("xs", xs), ("ys", ys), ("bs", bs),
                ("sph_x", sph_x), ("sph_v", sph_v), ("P33", P33), ("Q33", Q33), ("S33", S33)]:
    emit(name, t)

# --- symmetric / skew parts (geotorch's Symmetric and Skew, lower and upper) ---------------------
emit("sym_lower_X44", X44.tril() + X44.tril(-1).transpose(-2, -1))
emit("sym_upper_X44", X44.triu() + X44.triu(1).transpose(-2, -1))
emit("skew_lower_X44", X44.tril(-1) - X44.tril(-1).transpose(-2, -1))
emit("skew_upper_X44", X44.triu(1) - X44.triu(1).transpose(-2, -1))

# --- SO(n): exp and Cayley of the skew part ----------------------------------------------------
A = X44.tril(-1) - X44.tril(-1).transpose(-2, -1)
emit("so_expm_X44", torch.linalg.matrix_exp(A))
emit("so_cayley_X44", cayley(A))

# --- Stiefel: first k columns of the n x n maps, for strictly lower and general L -----------------
for triv in ["expm", "cayley"]:
    emit(f"stiefel_{triv}_L63_tril", stiefel_full(L63.tril(-1), triv))
    emit(f"stiefel_{triv}_L63", stiefel_full(L63, triv))
    emit(f"stiefel_{triv}_L252", stiefel_full(L252, triv))
    # gradient of sum(R * map(L)) with respect to L, through the n x n exponential / solve
    L = L63.clone().requires_grad_()
    R = torch.arange(18.0).reshape(6, 3) / 10 - 0.8
    (stiefel_full(L, triv) * R).sum().backward()
    emit(f"stiefel_{triv}_L63_grad", L.grad)

# --- scalar maps (geotorch's softplus_epsilon and its inverse; the bounded maps) -----------------
emit("softplus_eps_xs", F.softplus(xs) + 1e-6)
y = ys - 1e-6
emit("inv_softplus_eps_ys", torch.where(y > 20, y, y.expm1().log()))
emit("exp_xs", xs.exp())
emit("sigmoid_eps_xs", torch.sigmoid(xs) + 1e-6)
emit("sin_xs", xs.sin())
emit("tanh_xs", xs.tanh())
emit("scaled_sigmoid_xs", 2 * torch.sigmoid(xs) - 1)
emit("asin_bs", torch.asin(bs))
emit("atanh_bs", torch.atanh(bs))

# --- sphere: exponential map at x (geotorch's Sphere) and projection (SphereEmbedded) -----------
def sphere_exp(x, v, r):
    w = v - (v * x).sum(-1, keepdim=True) * x
    n = w.norm(dim=-1, keepdim=True)
    return r * (torch.cos(n) * x + torch.sinc(n / torch.pi) * w)


emit("sphere_exp_r2", sphere_exp(sph_x, sph_v, 2.0))
v = sph_v[:2].clone().requires_grad_()
R = torch.tensor([[0.3, -0.2, 0.5, 0.1], [-0.6, 0.4, 0.2, 0.7]])
(sphere_exp(sph_x[:2], v, 2.0) * R).sum().backward()
emit("sphere_exp_r2_grad", v.grad)
# At v = 0 (the point right after registration or update_base) the derivative is
# r (R - <R, x> x); torch gets it through norm's zero subgradient at 0.
v0 = torch.zeros(1, 4, requires_grad=True)
(sphere_exp(sph_x[:1], v0, 2.0) * R[:1]).sum().backward()
x0 = sph_x[:1]
limit = 2.0 * (R[:1] - (R[:1] * x0).sum(-1, keepdim=True) * x0)
assert torch.allclose(v0.grad, limit)
emit("sphere_exp_grad_at_zero", v0.grad)
emit("normalize_rows_r3", 3.0 * F.normalize(sph_v[:2] + 0.1, dim=-1))
emit("normalize_cols_X44", F.normalize(X44, dim=-2))

# --- correlation normalization and the Hurwitz map -----------------------------------------------
d = P33.diagonal().rsqrt()
emit("correlation_P33", P33 * d[:, None] * d[None, :])
emit("hurwitz_alpha_0p5", P33 @ (S33 - Q33 / 2) - 0.5 * torch.eye(3))

header = [
    "#pragma once",
    "// Generated by scripts/oracle/constraints_oracle.py with PyTorch " + torch.__version__ + ".",
    "// Do not edit: rerun the script. Values are float64, row-major.",
    "#include <vector>",
    "",
    "#include <paragrad/paragrad.hpp>",
    "",
    "namespace paragrad::test::constraints_oracle {",
    "",
]
with open(OUT, "w") as f:
    f.write("\n".join(header + lines + ["", "}  // namespace paragrad::test::constraints_oracle",
                                        ""]))
print(f"wrote {os.path.normpath(OUT)} ({len(lines) // 2} tensors)", file=sys.stderr)
