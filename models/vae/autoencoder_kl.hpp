#pragma once
// AutoencoderKL (diffusers naming): encoder -> quant_conv -> moments (mean, logvar); and
// post_quant_conv -> decoder. The scaling factor is applied by the caller (the pipeline), which
// keeps these two functions the plain networks.
#include <memory>

#include "models/backend/backend.hpp"
#include "models/result.hpp"
#include "models/vae/vae_config.hpp"
#include "models/weights/weight_set.hpp"

namespace seedgrid {

struct LatentDistribution {
  Tensor mean;    // [B, latent_channels, H/f, W/f]
  Tensor logvar;  // same shape, clamped to [-30, 20] as diffusers does
};

class AutoencoderKL {
 public:
  static Result<AutoencoderKL> load(WeightSet& weights, const VaeConfig& config, Backend& backend);
  // latents [B, latent_channels, h, w] (already divided by scaling_factor) -> image
  // [B, out_channels, h*f, w*f], nominally in [-1, 1].
  Tensor decode(const Tensor& latents) const;
  // image [B, in_channels, H, W] in [-1, 1] -> the latent distribution (unscaled).
  LatentDistribution encode(const Tensor& image) const;
  const VaeConfig& config() const;

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

}  // namespace seedgrid
