#pragma once
// The arithmetic of one UNet forward pass, counted from its config: every multiply-add of the
// convolutions, linear layers and the two attention products (q kᵀ and p v), times two. Norms,
// activations and elementwise ops are left out: they are memory-bound and a rounding error in the
// total. The count walks the same block structure as models/unet (diffusers' UNet2DConditionModel),
// so achieved TFLOP/s = this / measured time, for our kernels and for the PyTorch reference alike
// (bench/reference/torch_bench.py counts the same FLOPs independently, from module shapes).
#include "models/result.hpp"
#include "models/unet/unet_config.hpp"

namespace seedgrid::bench {

struct UNetFlops {
  double conv = 0;       // 3x3 and 1x1 convolutions (conv_in/out, ResNets, resamplers, proj_in/out)
  double linear = 0;     // attention projections, feed-forward, time embedding
  double attention = 0;  // q kᵀ and p v of self- and cross-attention
  double total() const { return conv + linear + attention; }
};

// FLOPs of one image (batch row) at latent size latent_h x latent_w with a context of
// context_tokens rows. Fails on a config models/unet would refuse (unknown block types, lists of
// the wrong length) or a latent size that is not positive.
Result<UNetFlops> unet_flops_per_image(const UNetConfig& config, int latent_h, int latent_w,
                                       int context_tokens);

}  // namespace seedgrid::bench
