#pragma once
// What a caller sees of a render while it runs. Every hook is optional and called on the rendering
// thread.
#include <cstddef>
#include <functional>

#include "models/tensor/tensor.hpp"

namespace seedgrid {

struct GenerationHooks {
  // After each sampler step: job index in the batch, steps done (1..steps_run), steps_run.
  std::function<void(std::size_t job, int step, int steps)> on_progress;
  // Polled between steps; true stops the render with a "cancelled at step k" error.
  std::function<bool()> cancelled;
  // Each job's latent x_t as host f32 [1, C, h, w], for t = 0 (the start: noise, or the noised
  // img2img latent) .. steps_run (the final latent). What a verifier commits to and hashes.
  std::function<void(std::size_t job, int t, const Tensor& latent)> on_latent;
};

}  // namespace seedgrid
