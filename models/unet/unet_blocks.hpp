#pragma once
// The UNet's down, mid and up blocks (diffusers' CrossAttnDownBlock2D / DownBlock2D,
// UNetMidBlock2DCrossAttn, CrossAttnUpBlock2D / UpBlock2D). A block without cross attention simply
// has no transformers.
#include <vector>

#include "models/unet/resnet_block.hpp"
#include "models/unet/transformer_2d.hpp"

namespace seedgrid {

// What every block needs besides its input: silu(time embedding) and the text context.
struct UNetConditioning {
  const Tensor& temb_silu;  // [B, 4 * block_out_channels[0]]
  const Tensor& context;    // [B, L, cross_attention_dim]
};

// What the transformers of one block are built with.
struct AttentionSpec {
  bool enabled = false;
  int heads = 1;
  int layers = 1;
  int context_dim = 0;
  bool linear_projection = false;
};

struct DownBlock {
  std::vector<ResnetBlock> resnets;
  std::vector<Transformer2D> attentions;  // one per resnet, or none
  bool has_downsample = false;
  Conv2d downsample;  // downsamplers.0.conv: 3x3, stride 2, padding 1

  static DownBlock load(const Params& p, int in, int out, int layers, int temb, int groups,
                        float eps, const AttentionSpec& attention, bool add_downsample);
  // Pushes each resnet's (or transformer's) output and the downsampled output onto `skips`.
  Tensor forward(Backend& b, Tensor x, const UNetConditioning& cond,
                 std::vector<Tensor>& skips) const;
};

struct MidBlock {
  ResnetBlock resnet0, resnet1;
  Transformer2D attention;

  static MidBlock load(const Params& p, int channels, int temb, int groups, float eps,
                       const AttentionSpec& attention);
  Tensor forward(Backend& b, const Tensor& x, const UNetConditioning& cond) const;
};

struct UpBlock {
  std::vector<ResnetBlock> resnets;
  std::vector<Transformer2D> attentions;
  bool has_upsample = false;
  Conv2d upsample;  // upsamplers.0.conv after nearest 2x

  // prev: channels coming from below; skip_in: channels of the first skip of the matching down
  // block's input (diffusers' in_channels); out: this block's channels.
  static UpBlock load(const Params& p, int prev, int skip_in, int out, int layers, int temb,
                      int groups, float eps, const AttentionSpec& attention, bool add_upsample);
  // Pops one skip per resnet and concatenates it after x along channels.
  Tensor forward(Backend& b, Tensor x, const UNetConditioning& cond,
                 std::vector<Tensor>& skips) const;
};

}  // namespace seedgrid
