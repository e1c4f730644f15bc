#pragma once
// MultiheadAttention (torch.nn.MultiheadAttention): parameters in_proj_weight [3E, E] (or
// q_proj_weight, k_proj_weight, v_proj_weight when kdim/vdim differ from E), in_proj_bias [3E],
// out_proj (Linear E -> E), bias_k and bias_v [1, 1, E] with add_bias_kv. Inputs [L, N, E]
// ([N, L, E] with batch_first) or unbatched [L, E].
#include <optional>
#include <string>
#include <tuple>

#include <paragrad/engine/export.hpp>
#include <paragrad/nn/linear.hpp>
#include <paragrad/nn/module.hpp>

PARAGRAD_API_BEGIN

namespace paragrad::nn {

class MultiheadAttention : public Module {
 public:
  MultiheadAttention(int64_t embed_dim, int64_t num_heads, double dropout = 0, bool bias = true,
                     bool add_bias_kv = false, bool add_zero_attn = false,
                     std::optional<int64_t> kdim = {}, std::optional<int64_t> vdim = {},
                     bool batch_first = false, Dtype dtype = kFloat32);
  // (output, weights). key_padding_mask [N, S] (or [S]): Bool, true = ignore that key; or
  // floating, added to the scores. attn_mask [L, S] or [N * num_heads, L, S], Bool or
  // floating likewise. weights [N, L, S] averaged over heads ([N, heads, L, S] when not
  // average_attn_weights); undefined when need_weights is false.
  std::tuple<Tensor, Tensor> forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                     const Tensor& key_padding_mask = {}, bool need_weights = true,
                                     const Tensor& attn_mask = {},
                                     bool average_attn_weights = true);
  void reset_parameters();
  int64_t embed_dim() const { return embed_; }
  int64_t num_heads() const { return heads_; }
  std::string class_name() const override { return "MultiheadAttention"; }

 private:
  int64_t embed_, heads_, kdim_, vdim_;
  double dropout_;
  bool bias_, add_bias_kv_, add_zero_attn_, batch_first_, same_dims_;
  std::shared_ptr<Linear> out_proj_;
};

}  // namespace paragrad::nn

PARAGRAD_API_END
