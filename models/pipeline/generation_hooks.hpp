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
  // Polled between steps, and by the CPU kernels' threads before each range of an op (so it must
  // be safe to call concurrently: an atomic load). Once true it must stay true: the render stops
  // with a "cancelled at/during step k" error, and a step stopped part-way is never reported.
  std::function<bool()> cancelled;
  // Each job's latent x_t as host f32 [1, C, h, w], for t = 0 (the start: noise, or the noised
  // img2img latent) .. steps_run (the final latent). What a verifier commits to and hashes.
  std::function<void(std::size_t job, int t, const Tensor& latent)> on_latent;
};

}  // namespace seedgrid
