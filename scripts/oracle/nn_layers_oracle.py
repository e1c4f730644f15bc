#!/usr/bin/python3
"""Expected values for the nn layers of issue 17, computed with PyTorch 1.13 in float64.

Run: /usr/bin/python3 scripts/oracle/nn_layers_oracle.py > tests/nn/nn_layers_oracle.hpp
     clang-format -i tests/nn/nn_layers_oracle.hpp

Every case is a map from names to arrays (shape + row-major values):
  "input" (and "input2", ...) the inputs; "state.<key>" the module's state_dict, so the test
  loads it with load_state_dict(strict) and thereby also checks that the keys are PyTorch's;
  "output" (and "output2", ...) the results; "grad_output" a fixed cotangent and "grad.input",
  "grad.<param>" the gradients of sum(output * grad_output).
tests/nn/test_layers_oracle.cpp (and the other test files named below) mirror each case.
"""
import math

import torch

torch.set_default_dtype(torch.float64)
F = torch.nn.functional
nn = torch.nn

cases = {}


def arr(t):
    t = torch.as_tensor(t, dtype=torch.float64) if not isinstance(t, torch.Tensor) else t
    return (list(t.shape), [float(v) for v in t.detach().to(torch.float64).flatten()])


def inp(*shape, seed=0, scale=1.0):
    g = torch.Generator().manual_seed(1000 + seed)
    return (torch.randn(*shape, generator=g) * scale).requires_grad_(True)


def cotangent(t, seed=7):
    g = torch.Generator().manual_seed(2000 + seed)
    return torch.randn(t.shape, generator=g)


def module_case(name, module, *inputs, out_fn=None, train=True, grads=True):
    """Runs module(*inputs); records inputs, state, output(s) and gradients."""
    module.train(train)
    c = {}
    for i, x in enumerate(inputs):
        if isinstance(x, torch.Tensor):
            c["input" if i == 0 else f"input{i + 1}"] = arr(x)
    # the state before the forward (BatchNorm updates it)
    for k, v in module.state_dict().items():
        c["state." + k] = arr(v)
    out = module(*inputs)
    outs = out_fn(out) if out_fn else [out]
    total = 0
    for i, o in enumerate(outs):
        if o is None:
            continue
        c["output" if i == 0 else f"output{i + 1}"] = arr(o)
        if grads and o.requires_grad:
            go = cotangent(o, seed=i)
            c["grad_output" if i == 0 else f"grad_output{i + 1}"] = arr(go)
            total = total + (o * go).sum()
    if grads and isinstance(total, torch.Tensor):
        params = [p for _, p in module.named_parameters()]
        xs = [x for x in inputs if isinstance(x, torch.Tensor) and x.requires_grad]
        gs = torch.autograd.grad(total, xs + params, allow_unused=True)
        for i, x in enumerate(xs):
            c["grad.input" if i == 0 else f"grad.input{i + 1}"] = arr(gs[i])
        for (n, _), g in zip(module.named_parameters(), gs[len(xs):]):
            if g is not None:
                c["grad." + n] = arr(g)
    for k, v in module.state_dict().items():
        c["after." + k] = arr(v)
    cases[name] = c


def fn_case(name, fn, *inputs, **extra):
    """A functional case: inputs, output and gradients of every floating input."""
    c = {}
    for i, x in enumerate(inputs):
        c["input" if i == 0 else f"input{i + 1}"] = arr(x)
    for k, v in extra.items():
        c[k] = arr(v)
    out = fn(*inputs)
    c["output"] = arr(out)
    xs = [x for x in inputs if isinstance(x, torch.Tensor) and x.requires_grad]
    if xs and out.requires_grad:
        go = cotangent(out)
        c["grad_output"] = arr(go)
        gs = torch.autograd.grad((out * go).sum(), xs, allow_unused=True)
        k = 0
        for i, x in enumerate(inputs):
            if isinstance(x, torch.Tensor) and x.requires_grad:
                if gs[k] is not None:
                    c["grad.input" if i == 0 else f"grad.input{i + 1}"] = arr(gs[k])
                k += 1
    cases[name] = c


# --- convolutions ------------------------------------------------------------------------------
torch.manual_seed(0)
module_case("conv1d", nn.Conv1d(3, 4, 3, stride=2, padding=1), inp(2, 3, 7))
module_case("conv1d_same_groups", nn.Conv1d(4, 2, 4, padding="same", dilation=2, groups=2),
            inp(2, 4, 9, seed=1))
module_case("conv1d_unbatched_nobias", nn.Conv1d(2, 3, 2, bias=False), inp(2, 5, seed=2))
module_case("conv2d_groups",
            nn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2),
            inp(1, 4, 5, 6, seed=3))
module_case("conv2d_reflect", nn.Conv2d(2, 3, 3, padding=1, padding_mode="reflect"),
            inp(2, 2, 4, 5, seed=4))
module_case("conv2d_circular", nn.Conv2d(2, 3, 3, padding=(2, 1), padding_mode="circular"),
            inp(1, 2, 4, 5, seed=5))
module_case("conv2d_replicate", nn.Conv2d(2, 2, 2, padding=1, padding_mode="replicate"),
            inp(1, 2, 3, 3, seed=6))
module_case("conv2d_same", nn.Conv2d(3, 2, (3, 4), padding="same"), inp(1, 3, 5, 6, seed=7))
module_case("conv2d_unbatched_stride", nn.Conv2d(3, 2, 2, stride=3, bias=False),
            inp(3, 7, 8, seed=8))
module_case("conv2d_pointwise", nn.Conv2d(5, 3, 1), inp(2, 5, 3, 4, seed=9))
module_case("conv_transpose2d",
            nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2),
            inp(1, 4, 3, 3, seed=10))
module_case("conv_transpose2d_dilated",
            nn.ConvTranspose2d(2, 3, (3, 2), stride=1, padding=(1, 0), output_padding=1,
                               dilation=2),
            inp(1, 2, 4, 3, seed=11))
module_case("conv_transpose1d",
            nn.ConvTranspose1d(3, 2, 4, stride=3, padding=1, output_padding=2),
            inp(2, 3, 5, seed=12))

# --- pooling -----------------------------------------------------------------------------------
x = inp(1, 3, 7, 7, seed=20)
module_case("max_pool2d", nn.MaxPool2d(3, 2, 1), x)
module_case("max_pool2d_ceil", nn.MaxPool2d(2, ceil_mode=True), inp(1, 2, 5, 5, seed=21))
module_case("max_pool2d_dilated", nn.MaxPool2d((3, 2), (1, 2), (1, 0), dilation=(2, 1)),
            inp(1, 2, 7, 6, seed=22))
mp = nn.MaxPool2d(2, 2, return_indices=True)
xi = inp(1, 2, 4, 5, seed=23)
vals, idx = mp(xi)
cases["max_pool2d_indices"] = {"input": arr(xi), "output": arr(vals), "indices": arr(idx)}
module_case("max_pool1d", nn.MaxPool1d(3, 2, 1), inp(2, 3, 8, seed=24))
module_case("avg_pool2d", nn.AvgPool2d(3, 2, 1), x)
module_case("avg_pool2d_exclude_pad_ceil",
            nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False), inp(1, 2, 6, 6, seed=25))
module_case("avg_pool2d_ceil", nn.AvgPool2d(2, 3, 1, ceil_mode=True), inp(1, 2, 6, 7, seed=26))
module_case("avg_pool2d_divisor", nn.AvgPool2d((2, 3), (2, 1), divisor_override=5),
            inp(1, 1, 4, 5, seed=27))
module_case("avg_pool1d", nn.AvgPool1d(3, 2, 1), inp(2, 3, 8, seed=28))
module_case("adaptive_avg_pool2d", nn.AdaptiveAvgPool2d((3, 4)), inp(2, 2, 7, 5, seed=29))
module_case("adaptive_avg_pool1d", nn.AdaptiveAvgPool1d(3), inp(2, 2, 7, seed=30))
module_case("adaptive_max_pool2d", nn.AdaptiveMaxPool2d((2, 3)), inp(1, 2, 5, 7, seed=31))

# --- normalization -----------------------------------------------------------------------------
bn1 = nn.BatchNorm1d(3)
module_case("batch_norm1d_train", bn1, inp(4, 3, seed=40))
bn1b = nn.BatchNorm1d(3, momentum=None)
x1 = inp(4, 3, 5, seed=41)
module_case("batch_norm1d_cumulative", bn1b, x1)
bn2 = nn.BatchNorm2d(3, momentum=0.3)
with torch.no_grad():
    bn2.weight.copy_(torch.tensor([0.5, 1.5, -1.0]))
    bn2.bias.copy_(torch.tensor([0.1, -0.2, 0.3]))
module_case("batch_norm2d_train", bn2, inp(2, 3, 3, 4, seed=42))
bn2(inp(2, 3, 3, 4, seed=43))  # a second training step moves the running stats further
module_case("batch_norm2d_eval", bn2, inp(2, 3, 3, 4, seed=44), train=False)
module_case("batch_norm2d_untracked", nn.BatchNorm2d(2, affine=False, track_running_stats=False),
            inp(3, 2, 2, 2, seed=45), train=False)
gn = nn.GroupNorm(2, 4)
with torch.no_grad():
    gn.weight.copy_(torch.tensor([1.0, 0.5, 2.0, -1.0]))
    gn.bias.copy_(torch.tensor([0.0, 0.1, 0.2, 0.3]))
module_case("group_norm", gn, inp(2, 4, 3, 3, seed=46))
module_case("group_norm_3d_noaffine", nn.GroupNorm(3, 6, affine=False), inp(2, 6, 4, seed=47))
ln = nn.LayerNorm([3, 4])
with torch.no_grad():
    ln.weight.copy_(torch.linspace(0.5, 1.5, 12).reshape(3, 4))
    ln.bias.copy_(torch.linspace(-0.2, 0.2, 12).reshape(3, 4))
module_case("layer_norm", ln, inp(2, 3, 4, seed=48))

# --- activations -------------------------------------------------------------------------------
xa = inp(3, 5, seed=50, scale=2.0)
for name, m in [("leaky_relu", nn.LeakyReLU(0.2)), ("elu", nn.ELU(1.5)), ("silu", nn.SiLU()),
                ("gelu", nn.GELU()), ("gelu_tanh", nn.GELU("tanh")),
                ("softplus", nn.Softplus(2, 3)), ("softmax", nn.Softmax(1)),
                ("log_softmax", nn.LogSoftmax(0)), ("flatten", nn.Flatten(0, 1)),
                ("identity", nn.Identity())]:
    module_case(name, m, xa)
module_case("unflatten", nn.Unflatten(1, (2, 3)), inp(2, 6, 2, seed=51))

# --- recurrent ---------------------------------------------------------------------------------
torch.manual_seed(1)
module_case("rnn_cell", nn.RNNCell(4, 5), inp(3, 4, seed=60), inp(3, 5, seed=61))
module_case("lstm_cell", nn.LSTMCell(4, 3), inp(2, 4, seed=62),
            (inp(2, 3, seed=63), inp(2, 3, seed=64)), out_fn=lambda o: list(o))
hc = (inp(2, 3, seed=63), inp(2, 3, seed=64))
c = cases["lstm_cell"]
c["input2"], c["input3"] = arr(hc[0]), arr(hc[1])
module_case("gru_cell", nn.GRUCell(4, 3), inp(2, 4, seed=65), inp(2, 3, seed=66))
module_case("gru_cell_unbatched_nobias", nn.GRUCell(3, 2, bias=False), inp(3, seed=67),
            inp(2, seed=68))

lstm = nn.LSTM(3, 4, num_layers=2, batch_first=True)
x = inp(2, 4, 3, seed=70)
h0, c0 = inp(2, 2, 4, seed=71), inp(2, 2, 4, seed=72)
module_case("lstm", lstm, x, (h0, c0), out_fn=lambda o: [o[0], o[1][0], o[1][1]])
cases["lstm"]["input2"], cases["lstm"]["input3"] = arr(h0), arr(c0)
module_case("lstm_bidirectional_zero_state", nn.LSTM(3, 2, bidirectional=True, bias=False),
            inp(4, 2, 3, seed=73), out_fn=lambda o: [o[0], o[1][0], o[1][1]])
module_case("gru", nn.GRU(3, 2, num_layers=2, bidirectional=True), inp(3, 2, 3, seed=74),
            inp(4, 2, 2, seed=75), out_fn=lambda o: list(o))
module_case("gru_unbatched", nn.GRU(2, 3, batch_first=True), inp(4, 2, seed=76),
            out_fn=lambda o: list(o))
module_case("rnn_relu", nn.RNN(3, 4, num_layers=2, nonlinearity="relu"), inp(5, 2, 3, seed=77),
            out_fn=lambda o: list(o))

# --- attention ---------------------------------------------------------------------------------
torch.manual_seed(2)
mha = nn.MultiheadAttention(6, 2)
q, k, v = inp(4, 2, 6, seed=80), inp(5, 2, 6, seed=81), inp(5, 2, 6, seed=82)
kpm = torch.tensor([[False, False, True, False, False], [False, False, False, False, True]])
am = torch.randn(4, 5, generator=torch.Generator().manual_seed(83))
module_case("mha", mha, q, k, v, kpm, True, am, out_fn=lambda o: list(o))
cases["mha"]["key_padding_mask"] = arr(kpm.double())
cases["mha"]["attn_mask"] = arr(am)
mha2 = nn.MultiheadAttention(4, 2, kdim=3, vdim=5, add_bias_kv=True, add_zero_attn=True,
                             batch_first=True)
q2, k2, v2 = inp(2, 3, 4, seed=84), inp(2, 2, 3, seed=85), inp(2, 2, 5, seed=86)
am2 = torch.tensor([[False, True], [False, False], [True, False]])
module_case("mha_kdim_bias_kv", mha2, q2, k2, v2, None, True, am2, False,
            out_fn=lambda o: list(o))
cases["mha_kdim_bias_kv"]["attn_mask"] = arr(am2.double())
mha3 = nn.MultiheadAttention(4, 1, bias=False)
module_case("mha_unbatched_nobias", mha3, inp(3, 4, seed=87), inp(2, 4, seed=88),
            inp(2, 4, seed=89), out_fn=lambda o: list(o))

# --- functional: padding, interpolation, normalize, one_hot ------------------------------------
xp = inp(1, 2, 3, 4, seed=90)
for mode in ["reflect", "replicate", "circular"]:
    fn_case(f"pad_{mode}", lambda t, m=mode: F.pad(t, (2, 1, 1, 2), mode=m), xp)
fn_case("pad_constant_negative", lambda t: F.pad(t, (-1, 2, 1, -1, 0, 1), value=0.5), xp)
fn_case("pad_reflect_1d", lambda t: F.pad(t, (3, 2), mode="reflect"), inp(2, 3, 5, seed=91))
xi = inp(2, 2, 3, 4, seed=92)
fn_case("interp_nearest", lambda t: F.interpolate(t, size=(5, 7), mode="nearest"), xi)
fn_case("interp_nearest_down", lambda t: F.interpolate(t, size=(2, 3), mode="nearest"), xi)
fn_case("interp_bilinear", lambda t: F.interpolate(t, size=(5, 7), mode="bilinear",
                                                   align_corners=False), xi)
fn_case("interp_bilinear_down", lambda t: F.interpolate(t, size=(2, 3), mode="bilinear",
                                                        align_corners=False), xi)
fn_case("interp_bilinear_corners", lambda t: F.interpolate(t, size=(5, 6), mode="bilinear",
                                                           align_corners=True), xi)
fn_case("interp_scale", lambda t: F.interpolate(t, scale_factor=1.5, mode="bilinear",
                                                align_corners=False), xi)
fn_case("interp_nearest_scale", lambda t: F.interpolate(t, scale_factor=1.7, mode="nearest"), xi)
fn_case("interp_linear", lambda t: F.interpolate(t, size=7, mode="linear", align_corners=False),
        inp(2, 2, 4, seed=93))
fn_case("interp_area", lambda t: F.interpolate(t, size=(2, 3), mode="area"), xi)
xn = inp(3, 4, seed=94)
with torch.no_grad():
    xn[1].zero_()
fn_case("normalize_p2", lambda t: F.normalize(t, p=2, dim=1), xn)
fn_case("normalize_p1_dim0", lambda t: F.normalize(t, p=1, dim=0), inp(3, 4, seed=95))
fn_case("normalize_pinf", lambda t: F.normalize(t, p=math.inf, dim=-1), inp(2, 3, 4, seed=96))
oh = torch.tensor([[0, 3], [2, 1]])
cases["one_hot"] = {"input": arr(oh), "output": arr(F.one_hot(oh, 5)),
                    "output2": arr(F.one_hot(oh))}

# --- losses -------------------------------------------------------------------------------------
X = inp(4, 3, seed=100)
Y = inp(4, 3, seed=101).detach().requires_grad_(True)
P = torch.rand(4, 3, generator=torch.Generator().manual_seed(102))
PR = torch.sigmoid(inp(4, 3, seed=103)).detach().requires_grad_(True)
T3 = torch.tensor([2, 0, 1, 0])
T3i = torch.tensor([2, -100, 1, 0])
W3 = torch.tensor([0.5, 2.0, 1.5])
for red in ["mean", "sum", "none"]:
    fn_case(f"smooth_l1_{red}", lambda a, b, r=red: F.smooth_l1_loss(a, b, reduction=r, beta=0.5),
            X, Y)
    fn_case(f"huber_{red}", lambda a, b, r=red: F.huber_loss(a, b, reduction=r, delta=0.7), X, Y)
    fn_case(f"nll_weighted_{red}",
            lambda a, r=red: F.nll_loss(a, T3i, weight=W3, ignore_index=-100, reduction=r), X)
    fn_case(f"ce_smooth_{red}",
            lambda a, r=red: F.cross_entropy(a, T3i, weight=W3, reduction=r, label_smoothing=0.2),
            X)
    fn_case(f"ce_smooth_noweight_{red}",
            lambda a, r=red: F.cross_entropy(a, T3i, reduction=r, label_smoothing=0.1), X)
    fn_case(f"ce_probs_smooth_{red}",
            lambda a, r=red: F.cross_entropy(a, P.softmax(1), weight=W3, reduction=r,
                                             label_smoothing=0.3), X)
    fn_case(f"bce_{red}", lambda a, b, r=red: F.binary_cross_entropy(a, b, weight=W3, reduction=r),
            PR, P.clone().requires_grad_(True))
    fn_case(f"bce_logits_{red}",
            lambda a, r=red: F.binary_cross_entropy_with_logits(a, P, weight=W3,
                                                                 pos_weight=torch.tensor(
                                                                     [1.0, 2.0, 0.5]),
                                                                 reduction=r), X)
    fn_case(f"cosine_embedding_{red}",
            lambda a, b, r=red: F.cosine_embedding_loss(a, b, torch.tensor([1, -1, -1, 1]),
                                                        margin=0.2, reduction=r), X, Y)
    fn_case(f"margin_ranking_{red}",
            lambda a, b, r=red: F.margin_ranking_loss(a[:, 0], b[:, 0],
                                                      torch.tensor([1.0, -1.0, 1.0, -1.0]),
                                                      margin=0.3, reduction=r), X, Y)
for red in ["mean", "batchmean", "sum", "none"]:
    fn_case(f"kl_div_{red}", lambda a, r=red: F.kl_div(a.log_softmax(1), P, reduction=r), X)
    fn_case(f"kl_div_log_target_{red}",
            lambda a, b, r=red: F.kl_div(a.log_softmax(1), b.log_softmax(1), reduction=r,
                                         log_target=True), X, Y)
cases["targets"] = {"class": arr(T3), "class_ignore": arr(T3i), "weight": arr(W3),
                    "probs": arr(P), "cos_y": arr(torch.tensor([1.0, -1.0, -1.0, 1.0])),
                    "rank_y": arr(torch.tensor([1.0, -1.0, 1.0, -1.0])),
                    "pos_weight": arr(torch.tensor([1.0, 2.0, 0.5]))}

# --- spectral_norm / weight_norm on convolutions -----------------------------------------------
P_ = torch.nn.utils.parametrizations
for name, m in [("sn_conv1d", nn.Conv1d(3, 4, 2)), ("sn_conv2d", nn.Conv2d(2, 3, (2, 3))),
                ("sn_conv_transpose2d", nn.ConvTranspose2d(4, 6, 2, groups=2))]:
    m = P_.spectral_norm(m)
    c = {}
    for k, v in m.state_dict().items():
        c["state." + k] = arr(v)
    m.eval()
    c["eval_weight"] = arr(m.weight)
    m.train()
    c["train_weight"] = arr(m.weight)  # one power iteration
    for k, v in m.state_dict().items():
        c["after." + k] = arr(v)
    cases[name] = c
for name, m in [("wn_conv1d", nn.Conv1d(3, 4, 2)), ("wn_conv2d", nn.Conv2d(2, 3, (2, 3))),
                ("wn_conv_transpose2d", nn.ConvTranspose2d(4, 6, 2, groups=2))]:
    w = m.weight.detach().clone()
    m = torch.nn.utils.weight_norm(m)  # PyTorch 1.13's (hook-based): g, v with dim 0
    c = {"weight": arr(w), "g": arr(m.weight_g), "v": arr(m.weight_v)}
    with torch.no_grad():
        m.weight_g.mul_(torch.linspace(0.5, 2.0, m.weight_g.numel()).reshape(m.weight_g.shape))
    m(torch.zeros((1, m.in_channels) + (3,) * (m.weight.dim() - 2)))  # recompute weight
    c["g_scaled"] = arr(m.weight_g)
    c["weight_scaled"] = arr(m.weight)
    cases[name] = c


# --- orthogonal (the constraint in parametrize/) on Conv2d: a batch of kh x kw matrices ---------
for name, m, orth_map in [("orth_conv2d_square", nn.Conv2d(2, 3, 3), None),
                          ("orth_conv2d_wide", nn.Conv2d(2, 3, (2, 3)), None),
                          ("orth_conv2d_cayley", nn.Conv2d(1, 2, 2), "cayley")]:
    m = P_.orthogonal(m, orthogonal_map=orth_map)
    with torch.no_grad():  # move the weight off its initial value
        g = torch.Generator().manual_seed(77)
        noise = 0.3 * torch.randn(m.parametrizations.weight.original.shape, generator=g)
        # householder reads only the signs of the original's diagonal (through .int(), so
        # training never moves it): keep it at right_inverse's +-1
        noise.diagonal(dim1=-2, dim2=-1).zero_()
        m.parametrizations.weight.original.add_(noise)
    x = inp(1, m.in_channels, 4, 5, seed=11)
    c = {"input": arr(x)}
    for k, v in m.state_dict().items():
        c["state." + k] = arr(v)
    c["weight"] = arr(m.weight)
    out = m(x)
    c["output"] = arr(out)
    c["grad.original"] = arr(torch.autograd.grad(out.square().sum(),
                                                 m.parametrizations.weight.original)[0])
    cases[name] = c


def fmt(v):
    if math.isinf(v):
        return "INFINITY" if v > 0 else "-INFINITY"
    if math.isnan(v):
        return "NAN"
    return repr(v)


print("// Generated by scripts/oracle/nn_layers_oracle.py with PyTorch", torch.__version__,
      "-- do not edit.")
print("#pragma once\n#include <cmath>\n#include <cstdint>\n#include <map>\n#include <string>\n"
      "#include <vector>\n\nnamespace nn_layers_oracle {")
print("struct Array {\n  std::vector<int64_t> shape;\n  std::vector<double> values;\n};")
print("using Case = std::map<std::string, Array>;")
# Arrays shared between cases (the same input in several cases) are written once.
names = {}
for c in cases.values():
    for shape, values in c.values():
        key = (tuple(shape), tuple(values))
        if key not in names:
            names[key] = "a%d" % len(names)
            print("inline const Array %s = {{%s}, {%s}};" % (
                names[key], ", ".join(str(s) for s in shape), ", ".join(fmt(v) for v in values)))
for name, c in cases.items():
    entries = ['{"%s", %s}' % (k, names[(tuple(sh), tuple(v))]) for k, (sh, v) in c.items()]
    print("inline const Case %s = {%s};" % (name, ", ".join(entries)))
print("}  // namespace nn_layers_oracle")
