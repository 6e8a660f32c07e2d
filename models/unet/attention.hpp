#pragma once
// diffusers' Attention as the transformer blocks use it: q from the hidden states, k and v from
// the context (the hidden states themselves for self-attention), softmax(q kᵀ / sqrt(head_dim)) v
// per head, then the output projection to_out.0. q, k, v have no bias in the UNet; the VAE's
// single-head attention has them.
#include "models/weights/layers.hpp"

namespace seedgrid {

struct Attention {
  Linear to_q, to_k, to_v, to_out;
  int heads = 1;

  static Attention load(const Params& p, int query_dim, int context_dim, int heads, int inner_dim,
                        bool qkv_bias);
  // x [B, Lq, query_dim], context [B, Lk, context_dim] -> [B, Lq, query_dim].
  Tensor forward(Backend& b, const Tensor& x, const Tensor& context) const;
};

}  // namespace seedgrid
