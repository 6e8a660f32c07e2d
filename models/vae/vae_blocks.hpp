#pragma once
// The pieces of AutoencoderKL's encoder and decoder (diffusers naming): the mid block's
// single-head self-attention with its own group norm and residual, the mid block
// (ResNet, attention, ResNet), and the encoder's down / decoder's up blocks. ResNets here have no
// time embedding and use eps 1e-6.
#include <vector>

#include "models/unet/attention.hpp"
#include "models/unet/resnet_block.hpp"
#include "models/weights/layers.hpp"

namespace seedgrid {

inline constexpr float kVaeEps = 1e-6f;

// out = x + to_out(attention(group_norm(x) as tokens)), one head over all channels.
struct VaeAttention {
  GroupNorm group_norm;
  Attention attention;  // to_q, to_k, to_v (with bias), to_out.0

  static VaeAttention load(const Params& p, int channels, int groups);
  Tensor forward(Backend& b, const Tensor& x) const;
};

struct VaeMidBlock {
  ResnetBlock resnet0, resnet1;
  VaeAttention attention;

  static VaeMidBlock load(const Params& p, int channels, int groups);
  Tensor forward(Backend& b, const Tensor& x) const;
};

// DownEncoderBlock2D: ResNets, then (except in the last block) a 3x3 stride-2 conv after padding
// only the bottom and right by one (diffusers' Downsample2D with padding 0).
struct VaeDownBlock {
  std::vector<ResnetBlock> resnets;
  bool has_downsample = false;
  Conv2d downsample;

  static VaeDownBlock load(const Params& p, int in, int out, int layers, int groups,
                           bool add_downsample);
  Tensor forward(Backend& b, Tensor x) const;
};

// UpDecoderBlock2D: ResNets, then (except in the last block) nearest 2x and a 3x3 conv.
struct VaeUpBlock {
  std::vector<ResnetBlock> resnets;
  bool has_upsample = false;
  Conv2d upsample;

  static VaeUpBlock load(const Params& p, int in, int out, int layers, int groups,
                         bool add_upsample);
  Tensor forward(Backend& b, Tensor x) const;
};

}  // namespace seedgrid
