#pragma once
// diffusers' ResnetBlock2D (time_embedding_norm "default", output scale 1):
//   h = conv1(silu(norm1(x)));  h += time_emb_proj(silu(temb)) per channel;
//   h = conv2(silu(norm2(h)));  out = shortcut(x) + h
// where shortcut is a 1x1 conv when the channel count changes. The VAE uses the same block
// without a time embedding.
#include "models/weights/layers.hpp"

namespace seedgrid {

struct ResnetBlock {
  GroupNorm norm1;
  Conv2d conv1;
  Linear time_emb_proj;  // only with a time embedding
  GroupNorm norm2;
  Conv2d conv2;
  Conv2d conv_shortcut;  // only when in != out
  bool has_time_embedding = false;
  bool has_shortcut = false;

  // temb_channels = 0: no time embedding.
  static ResnetBlock load(const Params& p, int in, int out, int temb_channels, int groups,
                          float eps);
  // temb_silu: silu(time embedding) [B, temb_channels] (computed once per forward), or nullptr.
  Tensor forward(Backend& b, const Tensor& x, const Tensor* temb_silu) const;
};

}  // namespace seedgrid
