#include "models/samplers/sampling_schedule.hpp"

#include <algorithm>
#include <cmath>

#include "models/samplers/noise_schedule.hpp"

namespace seedgrid {

namespace {

constexpr double kKarrasRho = 7.0;

// numpy.round: half to even (the default floating-point rounding mode).
double round_half_even(double x) { return std::nearbyint(x); }

// Spaced timesteps, largest first, as doubles (diffusers' numpy arrays before the final cast).
Result<std::vector<double>> spaced_timesteps(const SchedulerConfig& c, int count) {
  const int n = c.num_train_timesteps;
  std::vector<double> t(static_cast<std::size_t>(count));
  if (c.timestep_spacing == "leading") {
    const int ratio = n / count;
    for (int i = 0; i < count; ++i)
      t[static_cast<std::size_t>(count - 1 - i)] = static_cast<double>(i * ratio + c.steps_offset);
  } else if (c.timestep_spacing == "trailing") {
    const double ratio = static_cast<double>(n) / count;
    for (int i = 0; i < count; ++i)
      t[static_cast<std::size_t>(i)] = round_half_even(n - i * ratio) - 1.0;
  } else if (c.timestep_spacing == "linspace") {
    // np.linspace(0, n - 1, count): i * step, the last point exactly n - 1.
    const double step = count > 1 ? static_cast<double>(n - 1) / (count - 1) : 0.0;
    for (int i = 0; i < count; ++i)
      t[static_cast<std::size_t>(count - 1 - i)] = i == count - 1 && count > 1 ? n - 1.0 : i * step;
  } else {
    return fail("scheduler timestep_spacing '", c.timestep_spacing,
                "' is not supported: expected leading, trailing or linspace");
  }
  for (double v : t)
    if (v < 0 || v > n - 1)
      return fail("timestep_spacing '", c.timestep_spacing, "' with steps_offset ", c.steps_offset,
                  " and ", count, " steps gives timestep ", v, ", outside the trained range [0, ",
                  n - 1, "]");
  return t;
}

// np.interp(t, arange(n), table).
double interpolate(const std::vector<float>& table, double t) {
  const auto last = static_cast<double>(table.size() - 1);
  if (t <= 0) return table.front();
  if (t >= last) return table.back();
  const auto i = static_cast<std::size_t>(std::floor(t));
  const double lo = table[i], hi = table[i + 1];
  return (hi - lo) * (t - static_cast<double>(i)) + lo;
}

std::vector<double> karras_sigmas(double sigma_min, double sigma_max, int steps) {
  const double min_inv = std::pow(sigma_min, 1.0 / kKarrasRho);
  const double max_inv = std::pow(sigma_max, 1.0 / kKarrasRho);
  std::vector<double> out(static_cast<std::size_t>(steps));
  for (int i = 0; i < steps; ++i) {
    const double ramp = steps > 1 ? static_cast<double>(i) / (steps - 1) : 0.0;
    out[static_cast<std::size_t>(i)] = std::pow(max_inv + ramp * (min_inv - max_inv), kKarrasRho);
  }
  return out;
}

// diffusers' _sigma_to_t: the fractional timestep whose log-sigma interpolates to log(sigma).
double sigma_to_t(double sigma, const std::vector<float>& log_sigmas) {
  const double log_sigma = std::log(std::max(sigma, 1e-10));
  const std::size_t n = log_sigmas.size();
  // The last index whose log-sigma is <= log_sigma (log-sigmas increase with t), at most n - 2.
  std::size_t low = 0;
  std::size_t count = 0;
  for (std::size_t i = 0; i < n; ++i)
    if (log_sigma - log_sigmas[i] >= 0) count = i + 1;
  low = count == 0 ? 0 : std::min(count - 1, n - 2);
  const double lo = log_sigmas[low], hi = log_sigmas[low + 1];
  const double w = std::clamp((lo - log_sigma) / (lo - hi), 0.0, 1.0);
  return (1.0 - w) * static_cast<double>(low) + w * static_cast<double>(low + 1);
}

}  // namespace

Result<void> check_sampling_steps(int steps) {
  if (steps < 1 || steps > kMaxSamplingSteps)
    return fail("steps must be in [1, ", kMaxSamplingSteps, "], found ", steps);
  return {};
}

Result<void> check_karras_schedule(SamplerKind kind, bool karras) {
  if (kind == SamplerKind::ddim && karras)
    return fail("the ddim sampler has no Karras schedule: drop --karras or pick another sampler");
  return {};
}

Result<SamplingSchedule> make_sampling_schedule(const SchedulerConfig& config, SamplerKind kind,
                                                int steps, bool karras) {
  if (auto ok = check_sampling_steps(steps); !ok) return pass_on(ok);
  if (auto ok = check_karras_schedule(kind, karras); !ok) return pass_on(ok);
  SamplingSchedule s;
  s.kind = kind;
  s.karras = karras;
  s.steps = steps;
  s.train_timesteps = config.num_train_timesteps;
  if (config.prediction_type == "epsilon") {
    s.prediction = Prediction::epsilon;
  } else if (config.prediction_type == "v_prediction") {
    s.prediction = Prediction::v;
  } else {
    return fail("scheduler prediction_type '", config.prediction_type,
                "' is not supported: expected epsilon or v_prediction");
  }
  auto ac = alphas_cumprod(config);
  if (!ac) return pass_on(ac);
  s.alphas_cumprod = std::move(*ac);
  s.final_alpha_cumprod = config.set_alpha_to_one ? 1.0f : s.alphas_cumprod.front();

  const bool dpm = kind == SamplerKind::dpmpp_2m;
  std::vector<double> t;
  if (dpm && config.timestep_spacing != "trailing") {
    auto spaced = spaced_timesteps(config, steps + 1);
    if (!spaced) return pass_on(spaced);
    t.assign(spaced->begin(), spaced->end() - 1);
    for (double& v : t) v = round_half_even(v);
  } else {
    auto spaced = spaced_timesteps(config, steps);
    if (!spaced) return pass_on(spaced);
    t = std::move(*spaced);
    // DDIM indexes ᾱ by integer timesteps; Euler's timesteps are float32 before sigmas are
    // interpolated at them.
    for (double& v : t)
      v = kind == SamplerKind::ddim || dpm ? round_half_even(v) : static_cast<float>(v);
  }

  if (kind == SamplerKind::ddim) {
    for (double v : t) s.timesteps.push_back(static_cast<float>(v));
    s.init_noise_sigma = 1.0f;
    return s;
  }

  const std::vector<float> base = sigmas_of(s.alphas_cumprod);
  std::vector<double> sigma;
  if (karras) {
    std::vector<float> log_sigmas(base.size());
    for (std::size_t i = 0; i < base.size(); ++i) log_sigmas[i] = std::log(base[i]);
    if (dpm) {
      sigma = karras_sigmas(base.front(), base.back(), steps);
    } else {
      sigma = karras_sigmas(interpolate(base, t.back()), interpolate(base, t.front()), steps);
    }
    for (std::size_t i = 0; i < t.size(); ++i) {
      t[i] = sigma_to_t(sigma[i], log_sigmas);
      if (dpm) t[i] = round_half_even(t[i]);
    }
  } else {
    for (double v : t) sigma.push_back(interpolate(base, v));
  }
  for (std::size_t i = 0; i < t.size(); ++i) {
    s.timesteps.push_back(static_cast<float>(t[i]));
    s.sigmas.push_back(static_cast<float>(sigma[i]));
  }
  s.sigmas.push_back(0.0f);

  const float max_sigma = *std::max_element(s.sigmas.begin(), s.sigmas.end());
  if (dpm) {
    s.init_noise_sigma = 1.0f;
  } else if (config.timestep_spacing == "leading") {
    s.init_noise_sigma = std::sqrt(max_sigma * max_sigma + 1.0f);
  } else {
    s.init_noise_sigma = max_sigma;
  }
  return s;
}

int img2img_first_step(int steps, float strength) {
  const float s = std::clamp(strength, 0.0f, 1.0f);
  const int init_steps = std::min(static_cast<int>(static_cast<float>(steps) * s), steps);
  return std::max(steps - init_steps, 0);
}

}  // namespace seedgrid
