#pragma once
// diffusers' BasicTransformerBlock as SD uses it (layer norms with eps 1e-5, no AdaNorm):
//   x += attn1(norm1(x));  x += attn2(norm2(x), context);  x += ff(norm3(x))
// with ff = net.2(GEGLU(net.0.proj(x))), inner width 4 * dim, GEGLU = hidden * gelu(gate) where
// (hidden, gate) = net.0.proj(x).chunk(2) along the last dimension.
#include "models/unet/attention.hpp"
#include "models/weights/layers.hpp"

namespace seedgrid {

struct TransformerBlock {
  LayerNorm norm1, norm2, norm3;
  Attention attn1, attn2;
  Linear ff_proj;  // ff.net.0.proj: dim -> 2 * 4 * dim
  Linear ff_out;   // ff.net.2: 4 * dim -> dim

  static TransformerBlock load(const Params& p, int dim, int heads, int context_dim);
  // x [B, L, dim], context [B, Lc, context_dim].
  Tensor forward(Backend& b, const Tensor& x, const Tensor& context) const;
};

}  // namespace seedgrid
