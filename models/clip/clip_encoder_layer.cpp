#include "models/clip/clip_encoder_layer.hpp"

namespace seedgrid {

ClipEncoderLayer ClipEncoderLayer::load(const Params& p, const ClipTextConfig& c) {
  const int hidden = c.hidden_size;
  ClipEncoderLayer l;
  l.layer_norm1 = LayerNorm::load(p.at("layer_norm1"), hidden, c.layer_norm_eps);
  l.q_proj = Linear::load(p.at("self_attn.q_proj"), hidden, hidden);
  l.k_proj = Linear::load(p.at("self_attn.k_proj"), hidden, hidden);
  l.v_proj = Linear::load(p.at("self_attn.v_proj"), hidden, hidden);
  l.out_proj = Linear::load(p.at("self_attn.out_proj"), hidden, hidden);
  l.layer_norm2 = LayerNorm::load(p.at("layer_norm2"), hidden, c.layer_norm_eps);
  l.fc1 = Linear::load(p.at("mlp.fc1"), hidden, c.intermediate_size);
  l.fc2 = Linear::load(p.at("mlp.fc2"), c.intermediate_size, hidden);
  l.heads = c.num_attention_heads;
  l.quick_gelu = c.hidden_act == "quick_gelu";
  return l;
}

Tensor ClipEncoderLayer::forward(Backend& b, const Tensor& x) const {
  Tensor h = layer_norm1(b, x);
  h = out_proj(b, b.attention(q_proj(b, h), k_proj(b, h), v_proj(b, h), heads, true));
  const Tensor mid = b.add(x, h);
  h = fc1(b, layer_norm2(b, mid));
  h = quick_gelu ? b.quick_gelu(h) : b.gelu(h);
  return b.add(mid, fc2(b, h));
}

}  // namespace seedgrid
