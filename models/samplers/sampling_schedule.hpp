#pragma once
// The inference schedule of one sampler run, as diffusers' set_timesteps computes it:
//   Euler, Euler a, DDIM: `steps` timesteps spaced by timestep_spacing over the trained range
//     (leading: i * (N / steps) + steps_offset; trailing: round(N - i * N / steps) - 1;
//     linspace: linspace(0, N - 1, steps)), largest first;
//   DPM++ 2M: the same spacings over steps + 1 points with the last one dropped (as diffusers'
//     DPMSolverMultistepScheduler does); its final sigma is 0 (final_sigmas_type "zero").
// Sigmas are interpolated at the timesteps (np.interp). Karras (rho 7) replaces them by a ramp
// between the first and last sigma (Euler) or over the whole trained range (DPM++ 2M), mapping each
// back to a fractional (Euler) or rounded (DPM++ 2M) timestep. DDIM has no Karras variant.
// The same scheduler config drives every sampler, so one checkpoint's timestep_spacing applies to
// all of them (diffusers would apply each scheduler class's own default when the key is missing).
#include <vector>

#include "models/result.hpp"
#include "models/samplers/sampler_kind.hpp"
#include "models/samplers/scheduler_config.hpp"

namespace seedgrid {

enum class Prediction { epsilon, v };

struct SamplingSchedule {
  SamplerKind kind = SamplerKind::euler;
  bool karras = false;
  int steps = 0;
  Prediction prediction = Prediction::epsilon;
  std::vector<float> timesteps;       // [steps]: the UNet's time input at each step
  std::vector<float> sigmas;          // [steps + 1], last 0; empty for DDIM
  std::vector<float> alphas_cumprod;  // the trained ᾱ_t (DDIM indexes it by timestep)
  float final_alpha_cumprod = 1.0f;   // DDIM's ᾱ after the last step
  int train_timesteps = 1000;
  // What unit-variance noise is multiplied by to start from pure noise.
  float init_noise_sigma = 1.0f;
};

inline constexpr int kMaxSamplingSteps = 500;

// The schedule's own rules, which make_sampling_schedule applies and a coordinator applies to a
// request at submit: steps in [1, kMaxSamplingSteps]; no Karras schedule for ddim.
Result<void> check_sampling_steps(int steps);
Result<void> check_karras_schedule(SamplerKind kind, bool karras);

// Fails on steps outside [1, kMaxSamplingSteps], DDIM with karras, an unsupported config value, or
// a spacing that puts a timestep outside the trained range (e.g. a too large steps_offset).
Result<SamplingSchedule> make_sampling_schedule(const SchedulerConfig& config, SamplerKind kind,
                                                int steps, bool karras);

// img2img: the first step run for `strength` in [0, 1] (diffusers' t_start); strength 1 runs every
// step, strength 0 none.
int img2img_first_step(int steps, float strength);

}  // namespace seedgrid
