#pragma once
// The training noise schedule: betas over num_train_timesteps and their cumulative product of
// alphas, computed as diffusers does (torch.linspace in float32, squared for "scaled_linear",
// torch.cumprod), and the matching noise levels sigma_t = sqrt((1 - ᾱ_t) / ᾱ_t).
#include <vector>

#include "models/result.hpp"
#include "models/samplers/scheduler_config.hpp"

namespace seedgrid {

// ᾱ_t for t = 0 .. num_train_timesteps - 1. Fails on an unsupported beta_schedule or bad betas.
Result<std::vector<float>> alphas_cumprod(const SchedulerConfig& config);

// sigma_t for each ᾱ_t, in float32 as diffusers computes it from a float32 tensor.
std::vector<float> sigmas_of(const std::vector<float>& alphas_cumprod);

}  // namespace seedgrid
