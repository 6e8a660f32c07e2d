#pragma once
// AutoencoderKL (diffusers naming): encoder -> quant_conv -> moments (mean, logvar); and
// post_quant_conv -> decoder. The scaling factor is applied by the caller (the pipeline), which
// keeps these two functions the plain networks.
#include <memory>
#include <vector>

#include "models/backend/backend.hpp"
#include "models/result.hpp"
#include "models/vae/vae_config.hpp"
#include "models/weights/param_source.hpp"
#include "models/weights/weight_set.hpp"

namespace seedgrid {

struct LatentDistribution {
  Tensor mean;    // [B, latent_channels, H/f, W/f], on the backend
  Tensor logvar;  // same shape, clamped to [-30, 20] as diffusers does, on the backend
};

class AutoencoderKL {
 public:
  // Takes every parameter the config implies from `weights`, uploads it, and checks that no
  // tensor was left over. `backend` must outlive the autoencoder.
  static Result<AutoencoderKL> load(WeightSet& weights, const VaeConfig& config, Backend& backend);
  // The parameters (diffusers names and shapes) an autoencoder built from `config` takes.
  static Result<std::vector<ParamSpec>> parameters(const VaeConfig& config);
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
