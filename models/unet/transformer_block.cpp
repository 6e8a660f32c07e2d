#include "models/unet/transformer_block.hpp"

namespace seedgrid {

namespace {
constexpr float kLayerNormEps = 1e-5f;
constexpr int kFeedForwardMult = 4;
}  // namespace

TransformerBlock TransformerBlock::load(const Params& p, int dim, int heads, int context_dim) {
  TransformerBlock t;
  t.norm1 = LayerNorm::load(p.at("norm1"), dim, kLayerNormEps);
  t.attn1 = Attention::load(p.at("attn1"), dim, dim, heads, dim, false);
  t.norm2 = LayerNorm::load(p.at("norm2"), dim, kLayerNormEps);
  t.attn2 = Attention::load(p.at("attn2"), dim, context_dim, heads, dim, false);
  t.norm3 = LayerNorm::load(p.at("norm3"), dim, kLayerNormEps);
  const int inner = kFeedForwardMult * dim;
  t.ff_proj = Linear::load(p.at("ff.net.0.proj"), dim, 2 * inner);
  t.ff_out = Linear::load(p.at("ff.net.2"), inner, dim);
  return t;
}

Tensor TransformerBlock::forward(Backend& b, const Tensor& x, const Tensor& context) const {
  Tensor h = norm1(b, x);
  Tensor out = b.add(attn1.forward(b, h, h), x);
  h = norm2(b, out);
  out = b.add(attn2.forward(b, h, context), out);
  h = norm3(b, out);
  return b.add(ff_out(b, b.geglu(ff_proj(b, h))), out);
}

}  // namespace seedgrid
