#include "actors/worker/cheats/substitute_models.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "models/presets/random_init.hpp"
#include "models/unet/unet.hpp"

namespace seedgrid::worker {

Result<void> quantize_weights(WeightSet& weights, int bits) {
  if (bits < 2 || bits > 16) return fail("cannot quantize to ", bits, " bits (2..16)");
  const float qmax = static_cast<float>((1 << (bits - 1)) - 1);
  for (const std::string& name : weights.names()) {  // sorted: a deterministic order
    const Tensor* original = weights.find(name);
    if (original == nullptr || original->rank() < 2) continue;
    Tensor w = host_to_dtype(*original, DType::f32);  // a copy: the original may be mmapped
    const std::int64_t rows = w.dim(0);
    const std::int64_t per_row = rows == 0 ? 0 : w.numel() / rows;
    float* p = w.f32();
    for (std::int64_t r = 0; r < rows; ++r) {
      float* row = p + r * per_row;
      float max_abs = 0.0f;
      for (std::int64_t i = 0; i < per_row; ++i) max_abs = std::max(max_abs, std::fabs(row[i]));
      if (max_abs == 0.0f) continue;
      const float scale = max_abs / qmax;
      for (std::int64_t i = 0; i < per_row; ++i)
        row[i] = std::clamp(std::nearbyint(row[i] / scale), -qmax, qmax) * scale;
    }
    weights.insert(name, std::move(w));
  }
  return {};
}

Result<void> quantize_checkpoint(Checkpoint& checkpoint, int bits) {
  for (WeightSet* set : {&checkpoint.unet, &checkpoint.vae, &checkpoint.text_encoder})
    if (auto ok = quantize_weights(*set, bits); !ok)
      return context(ok.error(), "quantizing ", set->label());
  return {};
}

Result<void> shrink_unet(Checkpoint& checkpoint, std::uint64_t seed) {
  UNetConfig config = checkpoint.unet_config;
  for (int& c : config.block_out_channels) {
    c /= 2;
    if (c == 0 || c % config.norm_num_groups != 0)
      return fail("cannot halve the UNet channels of ", checkpoint.source, ": ", c,
                  " is not a multiple of ", config.norm_num_groups, " norm groups");
  }
  config.layers_per_block = std::max(1, config.layers_per_block - 1);
  auto specs = UNet::parameters(config);
  if (!specs) return context(specs.error(), "the smaller UNet for ", checkpoint.source);
  WeightSet unet("unet");
  unet.set_source(checkpoint.source + " (shrunk UNet)");
  for (const ParamSpec& spec : *specs) unet.insert(spec.name, random_parameter(seed, "unet", spec));
  checkpoint.unet = std::move(unet);
  checkpoint.unet_config = config;
  return {};
}

}  // namespace seedgrid::worker
