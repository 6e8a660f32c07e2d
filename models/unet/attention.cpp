#include "models/unet/attention.hpp"

namespace seedgrid {

Attention Attention::load(const Params& p, int query_dim, int context_dim, int heads, int inner_dim,
                          bool qkv_bias) {
  Attention a;
  a.to_q = Linear::load(p.at("to_q"), query_dim, inner_dim, qkv_bias);
  a.to_k = Linear::load(p.at("to_k"), context_dim, inner_dim, qkv_bias);
  a.to_v = Linear::load(p.at("to_v"), context_dim, inner_dim, qkv_bias);
  a.to_out = Linear::load(p.at("to_out.0"), inner_dim, query_dim);
  a.heads = heads;
  return a;
}

Tensor Attention::forward(Backend& b, const Tensor& x, const Tensor& context) const {
  const Tensor q = to_q(b, x);
  const Tensor k = to_k(b, context);
  const Tensor v = to_v(b, context);
  return to_out(b, b.attention(q, k, v, heads, false));
}

}  // namespace seedgrid
