#pragma once
// Random-weight model presets: real network architectures with weights drawn deterministically
// from a seed (random_init.hpp), for tests, benchmarks and development without downloading a model.
//   tiny   64x64 in well under a second on one core: UNet (32, 64), 1 layer per block, 2 heads,
//          cross width 32, 8 norm groups; VAE f8 with 4 small levels; CLIP width 32, 2 layers.
//   small  noticeably bigger, still CPU-friendly (128x128 in seconds): UNet (64, 128, 128),
//          2 layers per block; VAE (32, 64, 64, 64); CLIP width 64, 4 layers.
//   sd15   the real Stable Diffusion 1.5 architecture (UNet 860M, VAE 84M, CLIP ViT-L 123M
//          parameters); meant for fp16.
// Every preset carries a CLIP BPE tokenizer learned from an embedded corpus (bpe_vocabulary.hpp)
// and the SD 1.x scheduler config.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "models/clip/clip_config.hpp"
#include "models/presets/bpe_vocabulary.hpp"
#include "models/result.hpp"
#include "models/samplers/scheduler_config.hpp"
#include "models/tensor/tensor.hpp"
#include "models/unet/unet_config.hpp"
#include "models/vae/vae_config.hpp"

namespace seedgrid {

struct Preset {
  std::string name;
  UNetConfig unet;
  VaeConfig vae;
  ClipTextConfig text;  // vocab and special ids already matching `tokenizer`
  SchedulerConfig scheduler;
  BpeVocabulary tokenizer;
  DType default_dtype = DType::f32;
  int image_size = 64;  // the pixel size it is meant to render at
};

Result<Preset> find_preset(std::string_view name);

}  // namespace seedgrid
