#include "models/samplers/sampler.hpp"

#include <algorithm>
#include <cmath>

#include "models/samplers/noise_streams.hpp"

namespace seedgrid {

namespace {

auto f(double v) { return static_cast<float>(v); }

// The variance-preserving pair of a noise level: alpha = 1 / sqrt(σ² + 1), sigma_vp = σ alpha.
struct VpScale {
  double alpha;
  double sigma;
};
VpScale vp_scale(double sigma) {
  const double alpha = 1.0 / std::sqrt(sigma * sigma + 1.0);
  return {alpha, sigma * alpha};
}

Shape job_shape_of(const Tensor& x) {
  Shape s = x.shape();
  s[0] = 1;
  return s;
}

}  // namespace

Tensor Sampler::initial_latent(const Tensor& noise) const {
  return backend_.scale(noise, schedule_.init_noise_sigma);
}

Tensor Sampler::noised_latent(const Tensor& clean, const Tensor& noise, int step) const {
  const auto k = static_cast<std::size_t>(step);
  switch (schedule_.kind) {
    case SamplerKind::euler:
    case SamplerKind::euler_ancestral:
      return backend_.axpby(1.0f, clean, schedule_.sigmas[k], noise);
    case SamplerKind::ddim: {
      const double a = schedule_.alphas_cumprod[static_cast<std::size_t>(schedule_.timesteps[k])];
      return backend_.axpby(f(std::sqrt(a)), clean, f(std::sqrt(1.0 - a)), noise);
    }
    case SamplerKind::dpmpp_2m: {
      const VpScale vp = vp_scale(schedule_.sigmas[k]);
      return backend_.axpby(f(vp.alpha), clean, f(vp.sigma), noise);
    }
  }
  return clean;
}

Tensor Sampler::scale_model_input(const Tensor& x, int step) const {
  if (schedule_.kind != SamplerKind::euler && schedule_.kind != SamplerKind::euler_ancestral)
    return x;
  const double sigma = schedule_.sigmas[static_cast<std::size_t>(step)];
  return backend_.scale(x, f(1.0 / std::sqrt(sigma * sigma + 1.0)));
}

Tensor Sampler::denoised(int step, const Tensor& x, const Tensor& out) const {
  const auto k = static_cast<std::size_t>(step);
  const bool eps = schedule_.prediction == Prediction::epsilon;
  switch (schedule_.kind) {
    case SamplerKind::euler:
    case SamplerKind::euler_ancestral: {
      const double sigma = schedule_.sigmas[k];
      if (eps) return backend_.axpby(1.0f, x, f(-sigma), out);
      return backend_.axpby(f(1.0 / (sigma * sigma + 1.0)), x,
                            f(-sigma / std::sqrt(sigma * sigma + 1.0)), out);
    }
    case SamplerKind::ddim: {
      const double a = schedule_.alphas_cumprod[static_cast<std::size_t>(schedule_.timesteps[k])];
      const double b = 1.0 - a;
      if (eps)
        return backend_.axpby(f(1.0 / std::sqrt(a)), x, f(-std::sqrt(b) / std::sqrt(a)), out);
      return backend_.axpby(f(std::sqrt(a)), x, f(-std::sqrt(b)), out);
    }
    case SamplerKind::dpmpp_2m: {
      const VpScale s = vp_scale(schedule_.sigmas[k]);
      if (eps) return backend_.axpby(f(1.0 / s.alpha), x, f(-s.sigma / s.alpha), out);
      return backend_.axpby(f(s.alpha), x, f(-s.sigma), out);
    }
  }
  return x;
}

Tensor Sampler::step(int step, const Tensor& x, const Tensor& out,
                     std::span<const std::uint64_t> seeds, SamplerHistory& history) const {
  const auto k = static_cast<std::size_t>(step);
  const Tensor x0 = denoised(step, x, out);
  Tensor next;
  switch (schedule_.kind) {
    case SamplerKind::euler:
    case SamplerKind::euler_ancestral: {
      const double sigma = schedule_.sigmas[k];
      const double sigma_next = schedule_.sigmas[k + 1];
      const Tensor derivative = backend_.axpby(f(1.0 / sigma), x, f(-1.0 / sigma), x0);
      if (schedule_.kind == SamplerKind::euler) {
        next = backend_.axpby(1.0f, x, f(sigma_next - sigma), derivative);
        break;
      }
      const double up = std::sqrt(sigma_next * sigma_next *
                                  (sigma * sigma - sigma_next * sigma_next) / (sigma * sigma));
      const double down = std::sqrt(sigma_next * sigma_next - up * up);
      next = backend_.axpby(1.0f, x, f(down - sigma), derivative);
      if (up > 0) {
        const Tensor noise =
            batch_noise(backend_, job_shape_of(x), seeds, NoiseStream::ancestral, step);
        next = backend_.axpby(1.0f, next, f(up), noise);
      }
      break;
    }
    case SamplerKind::ddim: {
      const auto t = static_cast<int>(schedule_.timesteps[k]);
      const int prev = t - schedule_.train_timesteps / schedule_.steps;
      const double a = schedule_.alphas_cumprod[static_cast<std::size_t>(t)];
      const double a_prev = prev >= 0 ? schedule_.alphas_cumprod[static_cast<std::size_t>(prev)]
                                      : schedule_.final_alpha_cumprod;
      const double b = 1.0 - a;
      const Tensor eps = schedule_.prediction == Prediction::epsilon
                             ? out
                             : backend_.axpby(f(std::sqrt(a)), out, f(std::sqrt(b)), x);
      next = backend_.axpby(f(std::sqrt(a_prev)), x0, f(std::sqrt(1.0 - a_prev)), eps);
      break;
    }
    case SamplerKind::dpmpp_2m: {
      const double sigma_next = schedule_.sigmas[k + 1];
      if (sigma_next == 0.0) {
        // The first-order update at σ = 0 is exactly the denoised sample.
        next = x0;
        break;
      }
      const VpScale s = vp_scale(schedule_.sigmas[k]);
      const VpScale t = vp_scale(sigma_next);
      const double lambda_s = std::log(s.alpha) - std::log(s.sigma);
      const double lambda_t = std::log(t.alpha) - std::log(t.sigma);
      const double h = lambda_t - lambda_s;
      const double phi = t.alpha * (std::exp(-h) - 1.0);
      const bool last = step == schedule_.steps - 1;
      next = backend_.axpby(f(t.sigma / s.sigma), x, f(-phi), x0);
      if (history.steps_taken >= 1 && !last) {
        const VpScale p = vp_scale(schedule_.sigmas[k - 1]);
        const double lambda_p = std::log(p.alpha) - std::log(p.sigma);
        const double r0 = (lambda_s - lambda_p) / h;
        const Tensor d1 = backend_.axpby(f(1.0 / r0), x0, f(-1.0 / r0), history.previous_denoised);
        next = backend_.axpby(1.0f, next, f(-0.5 * phi), d1);
      }
      break;
    }
  }
  history.previous_denoised = x0;
  history.steps_taken = std::min(history.steps_taken + 1, 2);
  return next;
}

bool Sampler::needs_history(int step, int first_step) const {
  return schedule_.kind == SamplerKind::dpmpp_2m && step > first_step;
}

SamplerHistory Sampler::history_at(int step, int first_step, Tensor previous_denoised) {
  SamplerHistory h;
  h.steps_taken = std::min(step - first_step, 2);
  if (h.steps_taken > 0) h.previous_denoised = std::move(previous_denoised);
  return h;
}

}  // namespace seedgrid
