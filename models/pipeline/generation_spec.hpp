#pragma once
// What one image is rendered from. A job in a batch keeps its own seed, prompt and guidance; the
// rest must match across the batch (batch_incompatibility).
#include <cstdint>
#include <optional>
#include <string>

#include "models/pipeline/rgb_image.hpp"
#include "models/samplers/sampler_kind.hpp"

namespace seedgrid {

struct GenerationSpec {
  std::string prompt;
  std::string negative_prompt;
  std::uint64_t seed = 0;
  int steps = 20;
  // Classifier-free guidance scale; at most 1 renders without the negative branch (as diffusers).
  float guidance = 7.5f;
  SamplerKind sampler = SamplerKind::euler;
  bool karras = false;
  int width = 512;
  int height = 512;
  // img2img: the starting image (width x height) and how much of the schedule runs over it, in
  // (0, 1] (diffusers' strength: steps * strength steps run).
  std::optional<RgbImage> init_image;
  float strength = 0.75f;

  bool uses_guidance() const { return guidance > 1.0f; }
};

inline constexpr int kMaxImageSide = 4096;
inline constexpr int kMaxBatchJobs = 64;

// Why `a` and `b` cannot share one batch (size, steps, sampler, schedule, img2img mode, guidance
// mode); empty when they can.
std::string batch_incompatibility(const GenerationSpec& a, const GenerationSpec& b);

}  // namespace seedgrid
