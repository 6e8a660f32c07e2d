#include "models/samplers/noise_schedule.hpp"

#include <cmath>

namespace seedgrid {

namespace {

// torch.linspace(start, end, n) for float32: start + step * i below the midpoint and
// end - step * (n - 1 - i) from it on, in float arithmetic. (torch's vectorised loop rounds a few
// elements differently in the last bit; the schedules agree to about 1e-6 relative.)
std::vector<float> torch_linspace_f32(float start, float end, int n) {
  std::vector<float> out(static_cast<std::size_t>(n));
  if (n == 1) {
    out[0] = start;
    return out;
  }
  const float step = (end - start) / static_cast<float>(n - 1);
  const int halfway = n / 2;
  for (int i = 0; i < n; ++i)
    out[static_cast<std::size_t>(i)] = i < halfway ? start + step * static_cast<float>(i)
                                                   : end - step * static_cast<float>(n - i - 1);
  return out;
}

}  // namespace

Result<std::vector<float>> alphas_cumprod(const SchedulerConfig& c) {
  if (c.num_train_timesteps < 2 || c.num_train_timesteps > 100000)
    return fail("scheduler num_train_timesteps ", c.num_train_timesteps, " is outside [2, 100000]");
  if (!(c.beta_start > 0 && c.beta_end >= c.beta_start && c.beta_end < 1))
    return fail("scheduler betas must satisfy 0 < beta_start <= beta_end < 1, found ", c.beta_start,
                " and ", c.beta_end);
  std::vector<float> betas;
  if (c.beta_schedule == "scaled_linear") {
    // Python computes beta ** 0.5 in double before torch rounds it to float.
    betas = torch_linspace_f32(static_cast<float>(std::sqrt(static_cast<double>(c.beta_start))),
                               static_cast<float>(std::sqrt(static_cast<double>(c.beta_end))),
                               c.num_train_timesteps);
    for (float& b : betas) b = b * b;
  } else if (c.beta_schedule == "linear") {
    betas = torch_linspace_f32(c.beta_start, c.beta_end, c.num_train_timesteps);
  } else {
    return fail("scheduler beta_schedule '", c.beta_schedule,
                "' is not supported: expected scaled_linear or linear");
  }
  // torch.cumprod accumulates float32 inputs in double and rounds each output to float.
  std::vector<float> cumprod(betas.size());
  double product = 1.0;
  for (std::size_t i = 0; i < betas.size(); ++i) {
    product *= static_cast<double>(1.0f - betas[i]);
    cumprod[i] = static_cast<float>(product);
  }
  return cumprod;
}

std::vector<float> sigmas_of(const std::vector<float>& alphas_cumprod) {
  std::vector<float> sigmas(alphas_cumprod.size());
  for (std::size_t i = 0; i < sigmas.size(); ++i) {
    const float a = alphas_cumprod[i];
    sigmas[i] = std::sqrt((1.0f - a) / a);
  }
  return sigmas;
}

}  // namespace seedgrid
