#pragma once
// One CLIPEncoderLayer (transformers): pre-LN causal self-attention and MLP, each with a residual:
//   x += out_proj(attention(q_proj(ln1(x)), k_proj(..), v_proj(..), causal));
//   x += fc2(act(fc1(ln2(x))))      act = quick_gelu (OpenAI CLIP) or gelu (OpenCLIP)
#include <string>

#include "models/clip/clip_config.hpp"
#include "models/weights/layers.hpp"

namespace seedgrid {

struct ClipEncoderLayer {
  LayerNorm layer_norm1, layer_norm2;
  Linear q_proj, k_proj, v_proj, out_proj;
  Linear fc1, fc2;
  int heads = 1;
  bool quick_gelu = true;

  static ClipEncoderLayer load(const Params& p, const ClipTextConfig& config);
  Tensor forward(Backend& b, const Tensor& x) const;  // x [B, L, hidden]
};

}  // namespace seedgrid
