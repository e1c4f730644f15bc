// Recurrent layers. A sequence layer projects the whole input sequence at once (one GEMM per
// layer and direction, both biases folded in where the gates allow), then steps through time
// with only the hidden-state product left per step.
#include <paragrad/nn/recurrent.hpp>

#include <cmath>

#include <paragrad/engine/autograd/function.hpp>
#include <paragrad/nn/functional/functional.hpp>
#include <paragrad/nn/functional/lstm_cell.hpp>
#include <paragrad/nn/init.hpp>

namespace paragrad::nn {

namespace {

// The gate pre-activations of one step: xw (input projection with biases) + h W_hhᵀ.
Tensor hidden_gates(const Tensor& xw, const Tensor& h, const Tensor& w_hh) {
  return xw + matmul(h, w_hh.t());
}

using functional::detail::lstm_pointwise;  // gates (i, f, g, o) and c -> (h', c'), fused

// GRU: gi = x W_ihᵀ + b_ih, gh = h W_hhᵀ + b_hh (both [N, 3H] = r, z, n) -> h'.
Tensor gru_pointwise(const Tensor& gi, const Tensor& gh, const Tensor& h, int64_t H) {
  const Tensor rz = (gi.narrow(-1, 0, 2 * H) + gh.narrow(-1, 0, 2 * H)).sigmoid();
  const Tensor n = (gi.narrow(-1, 2 * H, H) + rz.narrow(-1, 0, H) * gh.narrow(-1, 2 * H, H)).tanh();
  return n + rz.narrow(-1, H, H) * (h - n);
}

Tensor add_opt(const Tensor& a, const Tensor& b) { return b.defined() ? a + b : a; }

// x [T, ...] -> the T views x[t], as one node: its backward stacks the T gradients (zeros for
// steps that got none) at once. T separate selects would each make a gradient of x's full size
// and sum them, quadratic in T.
TensorList unbind0(const Tensor& x) {
  const Tensor xd = x.detach();
  TensorList outs;
  for (int64_t t = 0; t < x.size(0); ++t) outs.push_back(xd.select(0, t));
  if (autograd::needs_grad(x)) {
    Shape step = x.shape();
    step.erase(step.begin());
    const Dtype dtype = x.dtype();
    // grad UnbindBackward: unbind(x, 0) => stack(g_t (zeros where undefined), 0)
    autograd::record_multi("UnbindBackward", outs, {x}, [step, dtype](const TensorList& gs) {
      TensorList parts;
      for (const Tensor& g : gs) parts.push_back(g.defined() ? g : zeros(step, dtype));
      return autograd::grad_list(stack(parts, 0));
    });
  }
  return outs;
}

}  // namespace

// --- cells
RNNCellBase::RNNCellBase(const char* name, int64_t input_size, int64_t hidden_size, bool bias,
                         int64_t chunks, Dtype dtype)
    : name_(name), input_(input_size), hidden_(hidden_size), bias_(bias) {
  check<ValueError>(input_size > 0 && hidden_size > 0, name,
                    ": input_size and hidden_size must be positive, got ", input_size, " and ",
                    hidden_size);
  check<DtypeError>(is_floating(dtype), name, ": dtype must be floating, got ", dtype_name(dtype));
  register_parameter("weight_ih", empty({chunks * hidden_, input_}, dtype));
  register_parameter("weight_hh", empty({chunks * hidden_, hidden_}, dtype));
  register_parameter("bias_ih", bias ? empty({chunks * hidden_}, dtype) : Tensor());
  register_parameter("bias_hh", bias ? empty({chunks * hidden_}, dtype) : Tensor());
  reset_parameters();
}

void RNNCellBase::reset_parameters() {
  const double bound = 1.0 / std::sqrt(double(hidden_));
  for (const char* n : {"weight_ih", "weight_hh", "bias_ih", "bias_hh"}) {
    Tensor& t = parameter_slot(n);
    if (t.defined()) init::uniform_(t, -bound, bound);
  }
}

std::string RNNCellBase::extra_repr() const {
  return cat(input_, ", ", hidden_, bias_ ? "" : ", bias=False");
}

Tensor RNNCellBase::check_and_state(const Tensor& x, const Tensor& h, const char* hname) const {
  check<ValueError>(x.defined(), name_, ": undefined input");
  check<ShapeError>(x.dim() == 1 || x.dim() == 2, name_,
                    ": expected the input to be 1-d or 2-d, got shape ", shape_str(x.sizes()));
  check<ShapeError>(x.size(-1) == input_, name_, ": input shape ", shape_str(x.sizes()),
                    " has input_size ", x.size(-1), ", expected ", input_);
  if (!h.defined())
    return zeros(x.dim() == 2 ? Shape{x.size(0), hidden_} : Shape{hidden_}, x.dtype());
  check<ShapeError>(
      h.dim() == x.dim() && h.size(-1) == hidden_ && (x.dim() == 1 || h.size(0) == x.size(0)),
      name_, ": ", hname, " shape ", shape_str(h.sizes()), " does not match input shape ",
      shape_str(x.sizes()), " and hidden_size ", hidden_, " (expected ",
      x.dim() == 2 ? cat("[", x.size(0), ", ", hidden_, "]") : cat("[", hidden_, "]"), ")");
  return h;
}

RNNCell::RNNCell(int64_t input_size, int64_t hidden_size, bool bias, std::string nonlinearity,
                 Dtype dtype)
    : RNNCellBase("RNNCell", input_size, hidden_size, bias, 1, dtype),
      nonlinearity_(std::move(nonlinearity)) {
  check<ValueError>(nonlinearity_ == "tanh" || nonlinearity_ == "relu",
                    "RNNCell: unknown nonlinearity '", nonlinearity_, "'");
}

Tensor RNNCell::forward(const Tensor& x, const Tensor& h) {
  const Tensor hx = check_and_state(x, h, "hx");
  const Tensor pre =
      add_opt(functional::linear(x, get("weight_ih"), get("bias_ih")), get("bias_hh")) +
      matmul(hx, get("weight_hh").t());
  return nonlinearity_ == "tanh" ? pre.tanh() : pre.relu();
}

Tensor RNNCell::forward(const Tensor& x) { return forward(x, Tensor()); }

std::string RNNCell::extra_repr() const {
  std::string s = RNNCellBase::extra_repr();
  if (nonlinearity_ != "tanh") s += ", nonlinearity='" + nonlinearity_ + "'";
  return s;
}

LSTMCell::LSTMCell(int64_t input_size, int64_t hidden_size, bool bias, Dtype dtype)
    : RNNCellBase("LSTMCell", input_size, hidden_size, bias, 4, dtype) {}

std::tuple<Tensor, Tensor> LSTMCell::forward(const Tensor& x,
                                             const std::tuple<Tensor, Tensor>& hc) {
  const Tensor h = check_and_state(x, std::get<0>(hc), "h"),
               c = check_and_state(x, std::get<1>(hc), "c");
  const Tensor xw =
      add_opt(functional::linear(x, get("weight_ih"), get("bias_ih")), get("bias_hh"));
  return lstm_pointwise(hidden_gates(xw, h, get("weight_hh")), c);
}

GRUCell::GRUCell(int64_t input_size, int64_t hidden_size, bool bias, Dtype dtype)
    : RNNCellBase("GRUCell", input_size, hidden_size, bias, 3, dtype) {}

Tensor GRUCell::forward(const Tensor& x, const Tensor& h) {
  const Tensor hx = check_and_state(x, h, "hx");
  const Tensor gi = functional::linear(x, get("weight_ih"), get("bias_ih"));
  const Tensor gh = functional::linear(hx, get("weight_hh"), get("bias_hh"));
  return gru_pointwise(gi, gh, hx, hidden_);
}

Tensor GRUCell::forward(const Tensor& x) { return forward(x, Tensor()); }

// --- sequence layers
RNNBase::RNNBase(Kind kind, int64_t input_size, int64_t hidden_size, int64_t num_layers, bool bias,
                 bool batch_first, double dropout, bool bidirectional, Dtype dtype)
    : kind_(kind),
      input_(input_size),
      hidden_(hidden_size),
      layers_(num_layers),
      directions_(bidirectional ? 2 : 1),
      bias_(bias),
      batch_first_(batch_first),
      dropout_(dropout) {
  const char* name = kind_name();
  check<ValueError>(input_size > 0 && hidden_size > 0, name,
                    ": input_size and hidden_size must be positive, got ", input_size, " and ",
                    hidden_size);
  check<ValueError>(num_layers > 0, name, ": num_layers must be positive, got ", num_layers);
  check<ValueError>(dropout >= 0 && dropout <= 1, name,
                    ": dropout should be a number in range [0, 1], got ", dropout);
  check<DtypeError>(is_floating(dtype), name, ": dtype must be floating, got ", dtype_name(dtype));
  const int64_t chunks = kind == Kind::Lstm ? 4 : kind == Kind::Gru ? 3 : 1;
  for (int64_t l = 0; l < num_layers; ++l)
    for (int64_t d = 0; d < directions_; ++d) {
      const std::string sfx = cat("_l", l, d == 1 ? "_reverse" : "");
      const int64_t in = l == 0 ? input_size : hidden_size * directions_;
      register_parameter("weight_ih" + sfx, empty({chunks * hidden_size, in}, dtype));
      register_parameter("weight_hh" + sfx, empty({chunks * hidden_size, hidden_size}, dtype));
      if (bias) {
        register_parameter("bias_ih" + sfx, empty({chunks * hidden_size}, dtype));
        register_parameter("bias_hh" + sfx, empty({chunks * hidden_size}, dtype));
      }
    }
  reset_parameters();
}

const char* RNNBase::kind_name() const {
  switch (kind_) {
    case Kind::Lstm:
      return "LSTM";
    case Kind::Gru:
      return "GRU";
    default:
      return "RNN";
  }
}

void RNNBase::reset_parameters() {
  const double bound = 1.0 / std::sqrt(double(hidden_));
  for (auto& [name, p] : named_parameters(false)) {
    Tensor& slot = parameter_slot(name);
    init::uniform_(slot, -bound, bound);
  }
}

std::string RNNBase::extra_repr() const {
  std::string s = cat(input_, ", ", hidden_);
  if (layers_ != 1) s += cat(", num_layers=", layers_);
  if (kind_ == Kind::Relu) s += ", nonlinearity='relu'";
  if (!bias_) s += ", bias=False";
  if (batch_first_) s += ", batch_first=True";
  if (dropout_ != 0) s += cat(", dropout=", dropout_);
  if (directions_ == 2) s += ", bidirectional=True";
  return s;
}

std::tuple<Tensor, Tensor, Tensor> RNNBase::run(const Tensor& input, const Tensor& h0,
                                                const Tensor& c0) {
  const char* name = kind_name();
  check<ValueError>(input.defined(), name, ": undefined input");
  check<ShapeError>(input.dim() == 2 || input.dim() == 3, name,
                    ": expected a 2-d (unbatched) or 3-d input, got shape ",
                    shape_str(input.sizes()));
  check<ShapeError>(input.size(-1) == input_, name, ": input shape ", shape_str(input.sizes()),
                    " has input_size ", input.size(-1), ", expected ", input_);
  const bool batched = input.dim() == 3;
  Tensor x = batched ? (batch_first_ ? input.transpose(0, 1) : input) : input.unsqueeze(1);
  const int64_t T = x.size(0), N = x.size(1), H = hidden_, S = layers_ * directions_;
  const Shape state_shape = batched ? Shape{S, N, H} : Shape{S, H};
  auto state = [&](const Tensor& s, const char* what) {
    if (!s.defined()) return zeros({S, N, H}, x.dtype());
    check<ShapeError>(s.shape() == state_shape, name, ": expected ", what, " shape ",
                      shape_str(Dims(state_shape.begin(), state_shape.end())), ", got ",
                      shape_str(s.sizes()));
    return batched ? s : s.unsqueeze(1);
  };
  const Tensor hx = state(h0, "hidden"), cx = kind_ == Kind::Lstm ? state(c0, "cell") : Tensor();
  TensorList h_n, c_n;
  for (int64_t l = 0; l < layers_; ++l) {
    TensorList dir_out;
    for (int64_t d = 0; d < directions_; ++d) {
      const std::string sfx = cat("_l", l, d == 1 ? "_reverse" : "");
      const Tensor w_ih = get("weight_ih" + sfx), w_hh = get("weight_hh" + sfx);
      const Tensor b_ih = bias_ ? get("bias_ih" + sfx) : Tensor();
      const Tensor b_hh = bias_ ? get("bias_hh" + sfx) : Tensor();
      // Input projection of every step at once; b_hh folds in except for GRU's n gate.
      Tensor xw = functional::linear(x, w_ih, b_ih);
      if (kind_ != Kind::Gru) xw = add_opt(xw, b_hh);
      Tensor h = hx.select(0, l * directions_ + d), c;
      if (kind_ == Kind::Lstm) c = cx.select(0, l * directions_ + d);
      const TensorList xws = unbind0(xw);
      TensorList out(static_cast<size_t>(T));
      for (int64_t s = 0; s < T; ++s) {
        const int64_t t = d == 0 ? s : T - 1 - s;
        const Tensor& xt = xws[size_t(t)];
        switch (kind_) {
          case Kind::Lstm:
            std::tie(h, c) = lstm_pointwise(hidden_gates(xt, h, w_hh), c);
            break;
          case Kind::Gru:
            h = gru_pointwise(xt, functional::linear(h, w_hh, b_hh), h, H);
            break;
          case Kind::Tanh:
            h = hidden_gates(xt, h, w_hh).tanh();
            break;
          case Kind::Relu:
            h = hidden_gates(xt, h, w_hh).relu();
            break;
        }
        out[size_t(t)] = h;
      }
      dir_out.push_back(stack(out, 0));
      h_n.push_back(h);
      if (kind_ == Kind::Lstm) c_n.push_back(c);
    }
    x = directions_ == 1 ? dir_out[0] : cat(dir_out, 2);
    if (dropout_ > 0 && l + 1 < layers_) x = functional::dropout(x, dropout_, is_training());
  }
  Tensor hn = stack(h_n, 0), cn = kind_ == Kind::Lstm ? stack(c_n, 0) : Tensor();
  if (!batched) {
    x = x.squeeze(1);
    hn = hn.squeeze(1);
    if (cn.defined()) cn = cn.squeeze(1);
  } else if (batch_first_) {
    x = x.transpose(0, 1);
  }
  return {x, hn, cn};
}

RNN::Kind RNN::kind_of(const std::string& nonlinearity) {
  check<ValueError>(nonlinearity == "tanh" || nonlinearity == "relu", "RNN: unknown nonlinearity '",
                    nonlinearity, "'");
  return nonlinearity == "tanh" ? Kind::Tanh : Kind::Relu;
}

RNN::RNN(int64_t input_size, int64_t hidden_size, int64_t num_layers,
         const std::string& nonlinearity, bool bias, bool batch_first, double dropout,
         bool bidirectional, Dtype dtype)
    : RNNBase(kind_of(nonlinearity), input_size, hidden_size, num_layers, bias, batch_first,
              dropout, bidirectional, dtype) {}

std::tuple<Tensor, Tensor> RNN::forward(const Tensor& x, const Tensor& h0) {
  auto [out, hn, cn] = run(x, h0, Tensor());
  return {out, hn};
}

LSTM::LSTM(int64_t input_size, int64_t hidden_size, int64_t num_layers, bool bias, bool batch_first,
           double dropout, bool bidirectional, Dtype dtype)
    : RNNBase(Kind::Lstm, input_size, hidden_size, num_layers, bias, batch_first, dropout,
              bidirectional, dtype) {}

std::tuple<Tensor, std::tuple<Tensor, Tensor>> LSTM::forward(const Tensor& x,
                                                             const std::tuple<Tensor, Tensor>& hc) {
  check<ValueError>(std::get<0>(hc).defined() == std::get<1>(hc).defined(),
                    "LSTM: give both h0 and c0 or neither");
  auto [out, hn, cn] = run(x, std::get<0>(hc), std::get<1>(hc));
  return {out, {hn, cn}};
}

GRU::GRU(int64_t input_size, int64_t hidden_size, int64_t num_layers, bool bias, bool batch_first,
         double dropout, bool bidirectional, Dtype dtype)
    : RNNBase(Kind::Gru, input_size, hidden_size, num_layers, bias, batch_first, dropout,
              bidirectional, dtype) {}

std::tuple<Tensor, Tensor> GRU::forward(const Tensor& x, const Tensor& h0) {
  auto [out, hn, cn] = run(x, h0, Tensor());
  return {out, hn};
}

}  // namespace paragrad::nn
