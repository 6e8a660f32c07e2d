#pragma once
// AutoencoderKL's config.json keys, as diffusers names them. Defaults are SD 1.x/2.x (KL-f8).
#include <vector>

namespace seedgrid {

struct VaeConfig {
  int in_channels = 3;
  int out_channels = 3;
  int latent_channels = 4;
  std::vector<int> block_out_channels{128, 256, 512, 512};
  int layers_per_block = 2;
  int norm_num_groups = 32;
  int sample_size = 512;
  float scaling_factor = 0.18215f;
  // Spatial downscale between pixels and latents: 2^(blocks - 1).
  int downscale() const { return 1 << (static_cast<int>(block_out_channels.size()) - 1); }
};

}  // namespace seedgrid
