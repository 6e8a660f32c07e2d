#pragma once
// What a model can render, and the checks of a job's parameters against it. This is the one
// definition of those limits: a worker's pipeline applies it before rendering and a coordinator at
// submit (with the limits its catalog holds for the model), so a request the model cannot render
// is refused before any worker tries it, and a worker that reports such a job is not blamed for it.
#include <string_view>

#include "models/pipeline/generation_spec.hpp"
#include "models/result.hpp"
#include "models/samplers/sampling_schedule.hpp"
#include "models/unet/unet_config.hpp"
#include "models/vae/vae_config.hpp"

namespace seedgrid {

struct RenderLimits {
  int vae_downscale = 8;  // pixels per latent cell
  // Width and height are multiples of this, from it up to kMaxImageSide: the VAE's downscale
  // times what the UNet's levels need of the latent (2^(levels - 1)). 64 for SD 1.x/2.x.
  int size_multiple = 64;
};

RenderLimits render_limits_of(const UNetConfig& unet, const VaeConfig& vae);
// Limits from a declared size multiple alone (a coordinator that names a model by id): a power
// of two of at least 8, else an error naming the value.
Result<RenderLimits> render_limits_of_size_multiple(int size_multiple);

// Each check names the parameter, its value and the rule it breaks.
Result<void> check_image_side(const RenderLimits& limits, std::string_view name, int value);
Result<void> check_guidance(float guidance);
// All of the above and the schedule's (check_sampling_steps, check_karras_schedule in
// models/samplers/sampling_schedule.hpp) over one job; not its prompts or init image, which only
// the loaded model can tokenize and encode.
Result<void> check_render_parameters(const RenderLimits& limits, const GenerationSpec& spec);

}  // namespace seedgrid
