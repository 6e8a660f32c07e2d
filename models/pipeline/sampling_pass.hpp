#pragma once
// The pieces a render is composed of, for callers that compose their own (task scripts,
// runtime/base/task_script): a prompt's text conditioning, and one sampler pass over a latent.
// Pipeline::generate is these pieces in a fixed order, so a composition of them in that order
// renders the same bytes.
#include <cstdint>

#include "models/samplers/sampler_kind.hpp"
#include "models/tensor/tensor.hpp"

namespace seedgrid {

// What the text encoder made of one job's prompt (and negative prompt, when guided).
struct PromptConditioning {
  Tensor context;  // host f32 [guided ? 2 : 1, L, D]: the negative prompt's row first
  bool guided = false;
  int prompt_tokens_dropped = 0;
  int negative_tokens_dropped = 0;
};

// One sampler run over a latent: the schedule of `steps` steps, run from `first_step` to the end.
struct SamplingPass {
  int steps = 20;
  // 0 starts from pure noise; above 0 the pass needs a clean latent, noised to this step's level
  // (img2img; img2img_first_step maps a strength to it).
  int first_step = 0;
  float guidance = 7.5f;  // must be above 1 exactly when the conditioning is guided
  SamplerKind sampler = SamplerKind::euler;
  bool karras = false;
  std::uint64_t seed = 0;  // keys the ancestral samplers' per-step noise
  // Inpainting (needs a clean latent): host f32 [1, 1, h, w], 1 where the pass renders, 0 where
  // the clean latent is kept (put back at each step's noise level, so the last step gives its
  // bits). Undefined: the whole latent is rendered.
  Tensor mask;
};

}  // namespace seedgrid
