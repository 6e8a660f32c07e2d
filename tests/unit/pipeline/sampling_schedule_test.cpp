#include "models/samplers/sampling_schedule.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "models/samplers/noise_schedule.hpp"

namespace seedgrid {
namespace {

std::vector<float> timesteps(SamplerKind kind, int steps, const SchedulerConfig& c = {}) {
  auto s = make_sampling_schedule(c, kind, steps, false);
  EXPECT_TRUE(s) << s.error().message;
  return s ? s->timesteps : std::vector<float>{};
}

SchedulerConfig with_spacing(std::string spacing, int offset = 0) {
  SchedulerConfig c;
  c.timestep_spacing = std::move(spacing);
  c.steps_offset = offset;
  return c;
}

// SD 1.x's noise range is the well-known sigma_min 0.0292 / sigma_max 14.6146 of k-diffusion.
TEST(NoiseSchedule, HasStableDiffusionsSigmaRange) {
  auto ac = alphas_cumprod(SchedulerConfig{});
  ASSERT_TRUE(ac);
  ASSERT_EQ(ac->size(), 1000u);
  const std::vector<float> sigmas = sigmas_of(*ac);
  EXPECT_NEAR(sigmas.front(), 0.0292, 1e-4);
  EXPECT_NEAR(sigmas.back(), 14.6146, 1e-3);
  for (std::size_t i = 1; i < sigmas.size(); ++i) ASSERT_GT(sigmas[i], sigmas[i - 1]);
  // Linear betas: alpha_0 = 1 - beta_start exactly.
  SchedulerConfig linear;
  linear.beta_schedule = "linear";
  EXPECT_FLOAT_EQ(alphas_cumprod(linear)->front(), 1.0f - linear.beta_start);
}

TEST(SamplingSchedule, SpacesTimestepsAsDiffusers) {
  // leading with steps_offset 1 (SD 1.x): 951, 901, ..., 1 for 20 steps; DDIM 50: 981 ... 1.
  const auto euler20 = timesteps(SamplerKind::euler, 20);
  ASSERT_EQ(euler20.size(), 20u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(euler20[static_cast<std::size_t>(i)], 951 - 50 * i);
  const auto ddim50 = timesteps(SamplerKind::ddim, 50);
  EXPECT_EQ(ddim50.front(), 981);
  EXPECT_EQ(ddim50.back(), 1);
  EXPECT_EQ(timesteps(SamplerKind::euler, 4, with_spacing("trailing")),
            (std::vector<float>{999, 749, 499, 249}));
  EXPECT_EQ(timesteps(SamplerKind::euler, 4, with_spacing("linspace")),
            (std::vector<float>{999, 666, 333, 0}));
  EXPECT_EQ(timesteps(SamplerKind::ddim, 3, with_spacing("linspace")),
            (std::vector<float>{999, 500, 0}));  // 499.5 rounds half to even
  // DPM-Solver spaces steps + 1 points and drops the last.
  EXPECT_EQ(timesteps(SamplerKind::dpmpp_2m, 4, with_spacing("leading", 1)),
            (std::vector<float>{801, 601, 401, 201}));
  EXPECT_EQ(timesteps(SamplerKind::dpmpp_2m, 4, with_spacing("linspace")),
            (std::vector<float>{999, 749, 500, 250}));
}

TEST(SamplingSchedule, InterpolatesSigmasAndEndsAtZero) {
  auto ac = alphas_cumprod(SchedulerConfig{});
  const auto base = sigmas_of(*ac);
  auto s = make_sampling_schedule(SchedulerConfig{}, SamplerKind::euler, 4, false);
  ASSERT_TRUE(s);
  ASSERT_EQ(s->sigmas.size(), 5u);
  EXPECT_EQ(s->sigmas[0], base[751]);
  EXPECT_EQ(s->sigmas[3], base[1]);
  EXPECT_EQ(s->sigmas[4], 0.0f);
  // leading: sqrt(sigma_max^2 + 1); linspace / trailing: sigma_max; DDIM and DPM: 1.
  EXPECT_FLOAT_EQ(s->init_noise_sigma, std::sqrt(base[751] * base[751] + 1.0f));
  EXPECT_EQ(make_sampling_schedule(with_spacing("trailing"), SamplerKind::euler, 4, false)
                ->init_noise_sigma,
            base[999]);
  EXPECT_EQ(
      make_sampling_schedule(SchedulerConfig{}, SamplerKind::dpmpp_2m, 4, false)->init_noise_sigma,
      1.0f);
  EXPECT_TRUE(
      make_sampling_schedule(SchedulerConfig{}, SamplerKind::ddim, 4, false)->sigmas.empty());
}

TEST(SamplingSchedule, KarrasRampsBetweenTheEnds) {
  auto ac = alphas_cumprod(SchedulerConfig{});
  const auto base = sigmas_of(*ac);
  auto dpm = make_sampling_schedule(SchedulerConfig{}, SamplerKind::dpmpp_2m, 10, true);
  ASSERT_TRUE(dpm);
  EXPECT_NEAR(dpm->sigmas.front(), base.back(), 1e-5);  // the whole trained range
  EXPECT_NEAR(dpm->sigmas[9], base.front(), 1e-6);
  EXPECT_EQ(dpm->sigmas[10], 0.0f);
  EXPECT_EQ(dpm->timesteps.front(), 999);
  EXPECT_EQ(dpm->timesteps.back(), 0);
  // rho = 7: sigma_i^(1/7) is linear in i.
  for (int i = 1; i < 9; ++i) {
    const double a = std::pow(dpm->sigmas[static_cast<std::size_t>(i - 1)], 1 / 7.0);
    const double b = std::pow(dpm->sigmas[static_cast<std::size_t>(i)], 1 / 7.0);
    const double c = std::pow(dpm->sigmas[static_cast<std::size_t>(i + 1)], 1 / 7.0);
    EXPECT_NEAR(b - a, c - b, 1e-5);
  }
  auto euler = make_sampling_schedule(SchedulerConfig{}, SamplerKind::euler, 4, true);
  ASSERT_TRUE(euler);
  // Euler ramps between the sigmas of its own first and last timestep, keeping fractional times.
  EXPECT_NEAR(euler->sigmas.front(), base[751], 1e-5);
  EXPECT_NEAR(euler->sigmas[3], base[1], 1e-6);
  EXPECT_NEAR(euler->timesteps.front(), 751.0, 1e-3);
  EXPECT_NE(euler->timesteps[1], std::round(euler->timesteps[1]));
}

TEST(SamplingSchedule, RejectsBadRequestsClearly) {
  const SchedulerConfig c;
  for (int steps : {0, -1, kMaxSamplingSteps + 1}) {
    auto s = make_sampling_schedule(c, SamplerKind::euler, steps, false);
    ASSERT_FALSE(s);
    EXPECT_NE(s.error().message.find("steps"), std::string::npos);
  }
  EXPECT_FALSE(make_sampling_schedule(c, SamplerKind::ddim, 10, true));
  SchedulerConfig bad = c;
  bad.beta_schedule = "cosine";
  auto e = make_sampling_schedule(bad, SamplerKind::euler, 10, false);
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("cosine"), std::string::npos);
  bad = c;
  bad.prediction_type = "sample";
  EXPECT_FALSE(make_sampling_schedule(bad, SamplerKind::euler, 10, false));
  bad = c;
  bad.timestep_spacing = "karras";
  EXPECT_FALSE(make_sampling_schedule(bad, SamplerKind::euler, 10, false));
  bad = c;
  bad.steps_offset = 60;  // leading with 20 steps: 950 + 60 is past the trained range
  auto past = make_sampling_schedule(bad, SamplerKind::euler, 20, false);
  ASSERT_FALSE(past);
  EXPECT_NE(past.error().message.find("1010"), std::string::npos) << past.error().message;
  EXPECT_TRUE(make_sampling_schedule(c, SamplerKind::euler, kMaxSamplingSteps, false));
  EXPECT_TRUE(make_sampling_schedule(c, SamplerKind::dpmpp_2m, kMaxSamplingSteps, true));
}

TEST(SamplingSchedule, Img2imgStartsWhereStrengthSays) {
  EXPECT_EQ(img2img_first_step(20, 0.75f), 5);
  EXPECT_EQ(img2img_first_step(20, 1.0f), 0);
  EXPECT_EQ(img2img_first_step(10, 0.05f), 10);  // runs no step
  EXPECT_EQ(img2img_first_step(3, 0.5f), 2);     // int(1.5) = 1 step
}

}  // namespace
}  // namespace seedgrid
