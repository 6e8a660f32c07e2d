#pragma once
// diffusers' Transformer2DModel on a feature map (continuous input):
//   h = GroupNorm(x) (eps 1e-6, no activation); proj_in; to tokens [B, H*W, C];
//   transformer blocks; proj_out; back to [B, C, H, W]; out = h + x.
// SD 1.x projects with 1x1 convs (on the feature map), SD 2.x with linears (on the tokens).
#include <vector>

#include "models/unet/transformer_block.hpp"
#include "models/weights/layers.hpp"

namespace seedgrid {

struct Transformer2D {
  GroupNorm norm;
  bool linear_projection = false;
  Conv2d proj_in_conv, proj_out_conv;      // SD 1.x
  Linear proj_in_linear, proj_out_linear;  // SD 2.x
  std::vector<TransformerBlock> blocks;

  static Transformer2D load(const Params& p, int channels, int heads, int layers, int context_dim,
                            int groups, bool linear_projection);
  Tensor forward(Backend& b, const Tensor& x, const Tensor& context) const;
};

}  // namespace seedgrid
