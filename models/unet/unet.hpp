#pragma once
// UNet2DConditionModel (diffusers naming and block structure): conv_in, time embedding,
// down blocks (ResNet + Transformer2D with self/cross attention + GEGLU), mid block, up blocks with
// skip connections, conv_out. Config-driven: channels, layers per block, heads, cross-attention
// dim, linear projection (SD 2.x).
#include <memory>
#include <span>
#include <vector>

#include "models/backend/backend.hpp"
#include "models/result.hpp"
#include "models/unet/unet_config.hpp"
#include "models/weights/param_source.hpp"
#include "models/weights/weight_set.hpp"

namespace seedgrid {

class UNet {
 public:
  // Takes every parameter the config implies from `weights` (each of exactly its shape), uploads
  // it, and checks that no tensor was left over. `backend` must outlive the UNet.
  static Result<UNet> load(WeightSet& weights, const UNetConfig& config, Backend& backend);
  // The parameters (diffusers names and shapes) a network built from `config` takes.
  static Result<std::vector<ParamSpec>> parameters(const UNetConfig& config);
  // sample [B, in_channels, h, w]; one timestep per batch row; context [B, L, cross_attention_dim].
  // Returns the model output (epsilon or v, per the scheduler) [B, out_channels, h, w].
  // h and w must be multiples of 2^(blocks - 1).
  Tensor forward(const Tensor& sample, std::span<const float> timesteps,
                 const Tensor& context) const;
  const UNetConfig& config() const;

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

}  // namespace seedgrid
