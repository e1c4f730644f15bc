// MultiheadAttention, after torch.nn.functional.multi_head_attention_forward (PyTorch 1.13):
// project q, k, v; split into heads; softmax(q kᵀ / √head_dim + mask) v; merge heads; project.
#include <paragrad/nn/attention.hpp>

#include <cmath>
#include <limits>

#include <paragrad/nn/functional/functional.hpp>
#include <paragrad/nn/init.hpp>

namespace paragrad::nn {

MultiheadAttention::MultiheadAttention(int64_t embed_dim, int64_t num_heads, double dropout,
                                       bool bias, bool add_bias_kv, bool add_zero_attn,
                                       std::optional<int64_t> kdim, std::optional<int64_t> vdim,
                                       bool batch_first, Dtype dtype)
    : embed_(embed_dim),
      heads_(num_heads),
      kdim_(kdim.value_or(embed_dim)),
      vdim_(vdim.value_or(embed_dim)),
      dropout_(dropout),
      bias_(bias),
      add_bias_kv_(add_bias_kv),
      add_zero_attn_(add_zero_attn),
      batch_first_(batch_first),
      same_dims_(kdim_ == embed_dim && vdim_ == embed_dim) {
  check<ValueError>(embed_dim > 0 && num_heads > 0,
                    "MultiheadAttention: embed_dim and num_heads must be positive, got ", embed_dim,
                    " and ", num_heads);
  check<ValueError>(embed_dim % num_heads == 0, "MultiheadAttention: embed_dim ", embed_dim,
                    " must be divisible by num_heads ", num_heads);
  check<ValueError>(kdim_ > 0 && vdim_ > 0, "MultiheadAttention: kdim and vdim must be positive");
  check<ValueError>(dropout >= 0 && dropout <= 1,
                    "MultiheadAttention: dropout must be in [0, 1], got ", dropout);
  check<DtypeError>(is_floating(dtype), "MultiheadAttention: dtype must be floating, got ",
                    dtype_name(dtype));
  const int64_t E = embed_dim;
  if (same_dims_) {
    register_parameter("in_proj_weight", empty({3 * E, E}, dtype));
  } else {
    register_parameter("q_proj_weight", empty({E, E}, dtype));
    register_parameter("k_proj_weight", empty({E, kdim_}, dtype));
    register_parameter("v_proj_weight", empty({E, vdim_}, dtype));
  }
  register_parameter("in_proj_bias", bias ? empty({3 * E}, dtype) : Tensor());
  if (add_bias_kv) {
    register_parameter("bias_k", empty({1, 1, E}, dtype));
    register_parameter("bias_v", empty({1, 1, E}, dtype));
  }
  out_proj_ = register_module("out_proj", std::make_shared<Linear>(E, E, bias, dtype));
  out_proj_->set_type_name_override("NonDynamicallyQuantizableLinear");
  reset_parameters();
}

void MultiheadAttention::reset_parameters() {
  if (same_dims_) {
    init::xavier_uniform_(parameter_slot("in_proj_weight"));
  } else {
    for (const char* n : {"q_proj_weight", "k_proj_weight", "v_proj_weight"})
      init::xavier_uniform_(parameter_slot(n));
  }
  if (bias_) {
    init::zeros_(parameter_slot("in_proj_bias"));
    init::zeros_(out_proj_->parameter_slot("bias"));
  }
  if (add_bias_kv_) {
    init::xavier_normal_(parameter_slot("bias_k"));
    init::xavier_normal_(parameter_slot("bias_v"));
  }
}

namespace {

// A Bool mask as an additive float mask (-inf where true); a float mask as is.
Tensor additive_mask(const Tensor& mask, Dtype dtype, const char* what) {
  if (mask.dtype() == kBool) return zeros(mask.shape(), dtype).masked_fill(mask, -INFINITY);
  check<DtypeError>(mask.is_floating_point(), "MultiheadAttention: ", what,
                    " must be Bool or floating, got ", dtype_name(mask.dtype()));
  return mask.to(dtype);
}

// Appends `n` zero columns to the last dim of a mask.
Tensor pad_last(const Tensor& mask, int64_t n) {
  return mask.defined() ? functional::pad(mask, {0, n}) : mask;
}

}  // namespace

std::tuple<Tensor, Tensor> MultiheadAttention::forward(const Tensor& query, const Tensor& key,
                                                       const Tensor& value,
                                                       const Tensor& key_padding_mask,
                                                       bool need_weights, const Tensor& attn_mask,
                                                       bool average_attn_weights) {
  const char* who = "MultiheadAttention";
  check<ValueError>(query.defined() && key.defined() && value.defined(), who,
                    ": undefined query, key or value");
  check<ShapeError>((query.dim() == 3 || query.dim() == 2) && key.dim() == query.dim() &&
                        value.dim() == query.dim(),
                    who,
                    ": query, key and value must all be 3-d (batched) or 2-d (unbatched), "
                    "got shapes ",
                    shape_str(query.sizes()), ", ", shape_str(key.sizes()), ", ",
                    shape_str(value.sizes()));
  const bool batched = query.dim() == 3;
  Tensor q = query, k = key, v = value;
  if (batched && batch_first_) {
    q = q.transpose(0, 1);
    k = k.transpose(0, 1);
    v = v.transpose(0, 1);
  }
  if (!batched) {
    q = q.unsqueeze(1);
    k = k.unsqueeze(1);
    v = v.unsqueeze(1);
  }
  const int64_t L = q.size(0), N = q.size(1), E = embed_, Hn = heads_, hd = E / heads_;
  int64_t S = k.size(0);
  check<ShapeError>(q.size(2) == E, who, ": query shape ", shape_str(query.sizes()),
                    " does not have embed_dim ", E);
  check<ShapeError>(k.size(2) == kdim_ && v.size(2) == vdim_, who, ": key shape ",
                    shape_str(key.sizes()), " and value shape ", shape_str(value.sizes()),
                    " must end in kdim ", kdim_, " and vdim ", vdim_);
  check<ShapeError>(k.size(1) == N && v.size(1) == N && v.size(0) == S, who, ": key shape ",
                    shape_str(key.sizes()), " and value shape ", shape_str(value.sizes()),
                    " do not match query shape ", shape_str(query.sizes()));
  // input projections
  const Tensor b = bias_ ? get("in_proj_bias") : Tensor();
  auto part = [&](const Tensor& t, int64_t i) { return t.defined() ? t.narrow(0, i * E, E) : t; };
  if (same_dims_) {
    const Tensor w = get("in_proj_weight");
    q = functional::linear(q, part(w, 0), part(b, 0));
    k = functional::linear(k, part(w, 1), part(b, 1));
    v = functional::linear(v, part(w, 2), part(b, 2));
  } else {
    q = functional::linear(q, get("q_proj_weight"), part(b, 0));
    k = functional::linear(k, get("k_proj_weight"), part(b, 1));
    v = functional::linear(v, get("v_proj_weight"), part(b, 2));
  }
  // masks, as additive float masks
  Tensor mask;
  if (attn_mask.defined()) {
    mask = additive_mask(attn_mask, q.dtype(), "attn_mask");
    if (mask.dim() == 2) {
      check<ShapeError>(mask.size(0) == L && mask.size(1) == S, who, ": attn_mask shape ",
                        shape_str(attn_mask.sizes()), " should be [", L, ", ", S, "]");
      mask = mask.unsqueeze(0);
    } else {
      check<ShapeError>(
          mask.dim() == 3 && mask.size(0) == N * Hn && mask.size(1) == L && mask.size(2) == S, who,
          ": attn_mask shape ", shape_str(attn_mask.sizes()), " should be [", L, ", ", S, "] or [",
          N * Hn, ", ", L, ", ", S, "]");
    }
  }
  Tensor kpm;
  if (key_padding_mask.defined()) {
    kpm = additive_mask(key_padding_mask, q.dtype(), "key_padding_mask");
    if (!batched) kpm = kpm.unsqueeze(0);
    check<ShapeError>(kpm.dim() == 2 && kpm.size(0) == N && kpm.size(1) == S, who,
                      ": key_padding_mask shape ", shape_str(key_padding_mask.sizes()),
                      " should be [", N, ", ", S, "]");
  }
  if (add_bias_kv_) {
    k = cat({k, get("bias_k").expand({1, N, E})}, 0);
    v = cat({v, get("bias_v").expand({1, N, E})}, 0);
    mask = pad_last(mask, 1);
    kpm = pad_last(kpm, 1);
    ++S;
  }
  // heads: [L, N, E] -> [N * heads, L, head_dim]
  q = q.reshape({L, N * Hn, hd}).transpose(0, 1);
  k = k.reshape({S, N * Hn, hd}).transpose(0, 1);
  v = v.reshape({S, N * Hn, hd}).transpose(0, 1);
  if (add_zero_attn_) {
    k = cat({k, zeros({N * Hn, 1, hd}, k.dtype())}, 1);
    v = cat({v, zeros({N * Hn, 1, hd}, v.dtype())}, 1);
    mask = pad_last(mask, 1);
    kpm = pad_last(kpm, 1);
    ++S;
  }
  if (kpm.defined()) {
    const Tensor m = kpm.reshape({N, 1, 1, S}).expand({N, Hn, 1, S}).reshape({N * Hn, 1, S});
    mask = mask.defined() ? mask + m : m;
  }
  Tensor scores = matmul(q / std::sqrt(double(hd)), k.transpose(1, 2));  // [N*H, L, S]
  if (mask.defined()) scores = scores + mask;
  Tensor attn = scores.softmax(-1);
  const double p = is_training() ? dropout_ : 0.0;
  if (p > 0) attn = functional::dropout(attn, p, true);
  Tensor out = matmul(attn, v);  // [N*H, L, hd]
  out = out.transpose(0, 1).reshape({L * N, E});
  out = (*out_proj_)(out).reshape({L, N, E});
  Tensor weights;
  if (need_weights) {
    weights = attn.reshape({N, Hn, L, S});
    if (average_attn_weights) weights = weights.sum({1}) / double(Hn);
    if (!batched) weights = weights.squeeze(0);
  }
  if (!batched) {
    out = out.squeeze(1);
  } else if (batch_first_) {
    out = out.transpose(0, 1);
  }
  return {out, weights};
}

}  // namespace paragrad::nn
