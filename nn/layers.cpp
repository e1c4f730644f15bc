#include <paragrad/nn/layers.hpp>

#include <cmath>

#include <paragrad/nn/functional/functional.hpp>
#include <paragrad/nn/init.hpp>

namespace paragrad::nn {

// --- LayerNorm
LayerNorm::LayerNorm(Shape normalized_shape, double eps, bool elementwise_affine, Dtype dtype)
    : shape_(std::move(normalized_shape)), eps_(eps), affine_(elementwise_affine) {
  check<ValueError>(!shape_.empty(), "LayerNorm: normalized_shape must not be empty");
  if (affine_) {
    register_parameter("weight", ones(shape_, dtype));
    register_parameter("bias", zeros(shape_, dtype));
  }
}

Tensor LayerNorm::forward(const Tensor& x) {
  if (!affine_) return functional::layer_norm(x, shape_, {}, {}, eps_);
  return functional::layer_norm(x, shape_, get("weight"), get("bias"), eps_);
}

std::string LayerNorm::extra_repr() const {
  std::string dims = "(";
  for (size_t i = 0; i < shape_.size(); ++i) dims += cat(i ? ", " : "", shape_[i]);
  dims += shape_.size() == 1 ? ",)" : ")";
  return cat(dims, ", eps=", eps_, ", elementwise_affine=", affine_ ? "True" : "False");
}

// --- Dropout
Dropout::Dropout(double p) : p_(p) {
  check<ValueError>(p >= 0 && p <= 1, "Dropout: probability has to be between 0 and 1, but got ",
                    p);
}
Tensor Dropout::forward(const Tensor& x) { return functional::dropout(x, p_, is_training()); }
std::string Dropout::extra_repr() const { return cat("p=", p_, ", inplace=False"); }

// --- Embedding
Embedding::Embedding(int64_t num_embeddings, int64_t embedding_dim, Dtype dtype)
    : num_(num_embeddings), dim_(embedding_dim) {
  check<ValueError>(num_ >= 0 && dim_ >= 0, "Embedding: sizes must be non-negative, got ", num_,
                    " and ", dim_);
  register_parameter("weight", empty({num_, dim_}, dtype));
  init::normal_(parameter_slot("weight"));
}
Tensor Embedding::forward(const Tensor& indices) {
  return functional::embedding(indices, get("weight"));
}
std::string Embedding::extra_repr() const { return cat(num_, ", ", dim_); }

// --- RNNCell
RNNCell::RNNCell(int64_t input_size, int64_t hidden_size, bool bias, std::string nonlinearity,
                 Dtype dtype)
    : input_(input_size),
      hidden_(hidden_size),
      bias_(bias),
      nonlinearity_(std::move(nonlinearity)) {
  check<ValueError>(input_ >= 0 && hidden_ > 0,
                    "RNNCell: input_size must be non-negative and "
                    "hidden_size positive, got ",
                    input_, " and ", hidden_);
  check<ValueError>(nonlinearity_ == "tanh" || nonlinearity_ == "relu",
                    "RNNCell: unknown nonlinearity '", nonlinearity_, "'");
  register_parameter("weight_ih", empty({hidden_, input_}, dtype));
  register_parameter("weight_hh", empty({hidden_, hidden_}, dtype));
  register_parameter("bias_ih", bias ? empty({hidden_}, dtype) : Tensor());
  register_parameter("bias_hh", bias ? empty({hidden_}, dtype) : Tensor());
  const double bound = 1.0 / std::sqrt(double(hidden_));
  for (const char* n : {"weight_ih", "weight_hh", "bias_ih", "bias_hh"}) {
    Tensor& t = parameter_slot(n);
    if (t.defined()) init::uniform_(t, -bound, bound);
  }
}

Tensor RNNCell::forward(const Tensor& x, const Tensor& h) {
  check<ShapeError>(x.dim() == 1 || x.dim() == 2, "RNNCell: input must be 1-d or 2-d, got shape ",
                    shape_str(x.sizes()));
  Tensor hx =
      h.defined() ? h : zeros(x.dim() == 2 ? Shape{x.size(0), hidden_} : Shape{hidden_}, x.dtype());
  check<ShapeError>(
      hx.dim() == x.dim() && hx.size(-1) == hidden_ && (x.dim() == 1 || hx.size(0) == x.size(0)),
      "RNNCell: hidden shape ", shape_str(hx.sizes()), " does not match input shape ",
      shape_str(x.sizes()), " and hidden_size ", hidden_);
  Tensor pre = functional::linear(x, get("weight_ih"), get("bias_ih")) +
               functional::linear(hx, get("weight_hh"), get("bias_hh"));
  return nonlinearity_ == "tanh" ? pre.tanh() : pre.relu();
}

Tensor RNNCell::forward(const Tensor& x) { return forward(x, Tensor()); }

std::string RNNCell::extra_repr() const {
  std::string s = cat(input_, ", ", hidden_);
  if (!bias_) s += ", bias=False";
  if (nonlinearity_ != "tanh") s += ", nonlinearity='" + nonlinearity_ + "'";
  return s;
}

}  // namespace paragrad::nn
