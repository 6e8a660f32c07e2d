#pragma once
// One sampler run over a SamplingSchedule, with diffusers' step semantics:
//   euler     EulerDiscreteScheduler (s_churn 0): x0 = x - σ ε, d = (x - x0) / σ, x += d (σ' - σ);
//             the model sees x / sqrt(σ² + 1).
//   euler_a   EulerAncestralDiscreteScheduler: the step to σ_down, then + σ_up * noise (stream 1).
//   ddim      DDIMScheduler, eta 0: x' = sqrt(ᾱ') x0 + sqrt(1 - ᾱ') ε.
//   dpmpp_2m  DPMSolverMultistepScheduler (dpmsolver++, order 2, midpoint, lower_order_final,
//             final sigma 0): first order on the first and last step, second order between, on
//             x in the variance-preserving scale (alpha_σ = 1 / sqrt(σ² + 1)).
// Epsilon and v prediction. Every tensor operation goes through the Backend (axpby, scale), so each
// backend runs the same arithmetic; coefficients are computed on the host in double.
#include <cstdint>
#include <span>

#include "models/backend/backend.hpp"
#include "models/samplers/sampling_schedule.hpp"

namespace seedgrid {

// What a multistep sampler carries from one step to the next. A step replayed on its own must be
// given the same history the full run had (Sampler::history_at).
struct SamplerHistory {
  Tensor previous_denoised;  // DPM++ 2M: the x0 prediction of the previous step
  int steps_taken = 0;       // steps run since the start of this run (capped at 2)
};

class Sampler {
 public:
  Sampler(const SamplingSchedule& schedule, Backend& backend)
      : schedule_(schedule), backend_(backend) {}

  const SamplingSchedule& schedule() const { return schedule_; }

  // The start from pure noise: noise * init_noise_sigma.
  Tensor initial_latent(const Tensor& noise) const;
  // img2img: the clean latent noised to the level of `step` (diffusers' add_noise).
  Tensor noised_latent(const Tensor& clean, const Tensor& noise, int step) const;
  // The UNet's input at `step` (Euler samplers scale x; the others pass it through).
  Tensor scale_model_input(const Tensor& x, int step) const;
  // The prediction of the clean latent x0 from the (guided) model output.
  Tensor denoised(int step, const Tensor& x, const Tensor& model_output) const;

  // x_step -> x_{step+1}. `seeds` holds one seed per batch row (ancestral noise).
  Tensor step(int step, const Tensor& x, const Tensor& model_output,
              std::span<const std::uint64_t> seeds, SamplerHistory& history) const;

  // Whether step `step` of a run that started at `first_step` reads the previous step's state,
  // so a replay of it must first rebuild that history from x_{step-1}.
  bool needs_history(int step, int first_step) const;
  // The history of a run started at `first_step` as it stands before `step`, given the denoised
  // prediction of step - 1 (undefined when needs_history is false).
  static SamplerHistory history_at(int step, int first_step, Tensor previous_denoised);

 private:
  SamplingSchedule schedule_;
  Backend& backend_;
};

}  // namespace seedgrid
