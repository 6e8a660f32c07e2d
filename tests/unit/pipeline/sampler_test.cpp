#include "models/samplers/sampler.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "models/backend/cpu_backend.hpp"
#include "models/samplers/noise_streams.hpp"

namespace seedgrid {
namespace {

const Shape kJob{1, 4, 3, 5};

Tensor random_tensor(Backend& be, const Shape& shape, std::uint64_t seed) {
  return be.gaussian_noise(shape, seed, 7, 0);
}

bool same_bytes(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && std::memcmp(a.raw(), b.raw(), a.bytes()) == 0;
}

// Max |a - b| against values computed in double by the test.
double max_error(const Tensor& got, const std::vector<double>& want) {
  double worst = 0;
  for (std::size_t i = 0; i < want.size(); ++i)
    worst = std::max(worst, std::abs(static_cast<double>(got.f32()[i]) - want[i]));
  return worst;
}

SamplingSchedule schedule(SamplerKind kind, int steps, std::string prediction = "epsilon") {
  SchedulerConfig c;
  c.prediction_type = std::move(prediction);
  return *make_sampling_schedule(c, kind, steps, false);
}

class SamplerTest : public ::testing::Test {
 protected:
  CpuBackend be{2};
};

TEST_F(SamplerTest, EulerStepsAlongTheModelsEpsilon) {
  const SamplingSchedule s = schedule(SamplerKind::euler, 10);
  const Sampler sampler(s, be);
  const Tensor x = random_tensor(be, kJob, 1), eps = random_tensor(be, kJob, 2);
  SamplerHistory h;
  const std::uint64_t seed = 5;
  const Tensor next = sampler.step(3, x, eps, std::span(&seed, 1), h);
  std::vector<double> want;
  for (std::int64_t i = 0; i < x.numel(); ++i)
    want.push_back(x.f32()[i] + (double{s.sigmas[4]} - s.sigmas[3]) * eps.f32()[i]);
  EXPECT_LT(max_error(next, want), 2e-5);
  // The model sees x / sqrt(sigma^2 + 1).
  const Tensor in = sampler.scale_model_input(x, 3);
  std::vector<double> scaled;
  for (std::int64_t i = 0; i < x.numel(); ++i)
    scaled.push_back(x.f32()[i] / std::sqrt(double{s.sigmas[3]} * s.sigmas[3] + 1));
  EXPECT_LT(max_error(in, scaled), 1e-6);
}

TEST_F(SamplerTest, VPredictionDenoisesAsDiffusers) {
  const SamplingSchedule s = schedule(SamplerKind::euler, 10, "v_prediction");
  const Sampler sampler(s, be);
  const Tensor x = random_tensor(be, kJob, 1), v = random_tensor(be, kJob, 2);
  const double sigma = s.sigmas[2];
  std::vector<double> want;
  for (std::int64_t i = 0; i < x.numel(); ++i)
    want.push_back(v.f32()[i] * (-sigma / std::sqrt(sigma * sigma + 1)) +
                   x.f32()[i] / (sigma * sigma + 1));
  EXPECT_LT(max_error(sampler.denoised(2, x, v), want), 1e-5);
}

TEST_F(SamplerTest, EulerAncestralAddsTheStepsOwnNoise) {
  const SamplingSchedule s = schedule(SamplerKind::euler_ancestral, 10);
  const Sampler sampler(s, be);
  const Tensor x = random_tensor(be, kJob, 1), eps = random_tensor(be, kJob, 2);
  const std::uint64_t seed = 1234;
  const int k = 4;
  SamplerHistory h;
  const Tensor next = sampler.step(k, x, eps, std::span(&seed, 1), h);
  // noise = stream 1 at counter k * numel: a pure function of (seed, step).
  const Tensor noise =
      be.gaussian_noise(kJob, seed, 1, static_cast<std::uint64_t>(k) * shape_numel(kJob));
  const double sf = s.sigmas[k], st = s.sigmas[k + 1];
  const double up = std::sqrt(st * st * (sf * sf - st * st) / (sf * sf));
  const double down = std::sqrt(st * st - up * up);
  std::vector<double> want;
  for (std::int64_t i = 0; i < x.numel(); ++i)
    want.push_back(x.f32()[i] + (down - sf) * eps.f32()[i] + up * noise.f32()[i]);
  EXPECT_LT(max_error(next, want), 2e-5);
}

TEST_F(SamplerTest, DdimIsDeterministicWithEtaZero) {
  const SamplingSchedule s = schedule(SamplerKind::ddim, 10);
  const Sampler sampler(s, be);
  const Tensor x = random_tensor(be, kJob, 1), eps = random_tensor(be, kJob, 2);
  SamplerHistory h;
  const std::uint64_t seed = 0;
  const int k = 2;  // t = 701 -> 601
  const Tensor next = sampler.step(k, x, eps, std::span(&seed, 1), h);
  const double a = s.alphas_cumprod[701], ap = s.alphas_cumprod[601];
  std::vector<double> want;
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    const double x0 = (x.f32()[i] - std::sqrt(1 - a) * eps.f32()[i]) / std::sqrt(a);
    want.push_back(std::sqrt(ap) * x0 + std::sqrt(1 - ap) * eps.f32()[i]);
  }
  EXPECT_LT(max_error(next, want), 2e-5);
  // The last step lands on alphas_cumprod[0] (set_alpha_to_one false).
  const Tensor last = sampler.step(9, x, eps, std::span(&seed, 1), h);
  const double a9 = s.alphas_cumprod[1], a_end = s.alphas_cumprod[0];
  want.clear();
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    const double x0 = (x.f32()[i] - std::sqrt(1 - a9) * eps.f32()[i]) / std::sqrt(a9);
    want.push_back(std::sqrt(a_end) * x0 + std::sqrt(1 - a_end) * eps.f32()[i]);
  }
  EXPECT_LT(max_error(last, want), 2e-4);
}

TEST_F(SamplerTest, DpmSolver2mUsesTheSecondOrderUpdateBetweenFirstAndLastStep) {
  const SamplingSchedule s = schedule(SamplerKind::dpmpp_2m, 5);
  const Sampler sampler(s, be);
  const std::uint64_t seed = 0;
  auto vp = [](double sigma) {
    const double alpha = 1 / std::sqrt(sigma * sigma + 1);
    return std::pair{alpha, sigma * alpha};
  };
  Tensor x = random_tensor(be, kJob, 1);
  std::vector<double> xd(x.f32(), x.f32() + x.numel()), prev_x0;
  SamplerHistory h;
  for (int k = 0; k < 5; ++k) {
    const Tensor eps = random_tensor(be, kJob, 100 + static_cast<std::uint64_t>(k));
    const auto [as, ss] = vp(s.sigmas[k]);
    std::vector<double> x0(xd.size()), want(xd.size());
    for (std::size_t i = 0; i < xd.size(); ++i) x0[i] = (xd[i] - ss * eps.f32()[i]) / as;
    if (k == 4) {
      want = x0;  // final sigma 0
    } else {
      const auto [at, st] = vp(s.sigmas[k + 1]);
      const double h_ = (std::log(at) - std::log(st)) - (std::log(as) - std::log(ss));
      const double phi = at * (std::exp(-h_) - 1);
      for (std::size_t i = 0; i < xd.size(); ++i) {
        want[i] = st / ss * xd[i] - phi * x0[i];
        if (k > 0) {
          const auto [ap, sp] = vp(s.sigmas[k - 1]);
          const double r0 = ((std::log(as) - std::log(ss)) - (std::log(ap) - std::log(sp))) / h_;
          want[i] -= 0.5 * phi * (x0[i] - prev_x0[i]) / r0;
        }
      }
    }
    x = sampler.step(k, x, eps, std::span(&seed, 1), h);
    EXPECT_LT(max_error(x, want), 1e-4) << "step " << k;
    xd.assign(x.f32(), x.f32() + x.numel());
    prev_x0 = x0;
  }
}

TEST_F(SamplerTest, EachRowOfABatchDrawsItsOwnSeedsNoise) {
  const SamplingSchedule s = schedule(SamplerKind::euler_ancestral, 8);
  const Sampler sampler(s, be);
  const std::vector<std::uint64_t> seeds{11, 22, 33};
  std::vector<Tensor> xs, outs;
  for (std::uint64_t seed : seeds) {
    xs.push_back(random_tensor(be, kJob, seed));
    outs.push_back(random_tensor(be, kJob, seed + 1000));
  }
  SamplerHistory batch_history;
  const Tensor batched =
      sampler.step(2, be.concat_batch(xs), be.concat_batch(outs), seeds, batch_history);
  for (std::size_t j = 0; j < seeds.size(); ++j) {
    SamplerHistory alone_history;
    const Tensor alone = sampler.step(2, xs[j], outs[j], std::span(&seeds[j], 1), alone_history);
    const Tensor row =
        batched.slice(static_cast<std::int64_t>(j), static_cast<std::int64_t>(j) + 1);
    EXPECT_TRUE(same_bytes(alone, row)) << "job " << j;
  }
}

TEST_F(SamplerTest, HistoryRebuiltFromThePreviousStepReplaysTheSameBytes) {
  const SamplingSchedule s = schedule(SamplerKind::dpmpp_2m, 6);
  const Sampler sampler(s, be);
  const std::uint64_t seed = 3;
  std::vector<Tensor> xs{random_tensor(be, kJob, 1)}, outs;
  SamplerHistory h;
  for (int k = 0; k < 6; ++k) {
    outs.push_back(random_tensor(be, kJob, 50 + static_cast<std::uint64_t>(k)));
    xs.push_back(sampler.step(k, xs.back(), outs.back(), std::span(&seed, 1), h));
  }
  for (int k = 0; k < 6; ++k) {
    ASSERT_EQ(sampler.needs_history(k, 0), k > 0);
    Tensor prev;
    if (k > 0)
      prev = sampler.denoised(k - 1, xs[static_cast<std::size_t>(k - 1)],
                              outs[static_cast<std::size_t>(k - 1)]);
    SamplerHistory replay = Sampler::history_at(k, 0, prev);
    const Tensor x = sampler.step(k, xs[static_cast<std::size_t>(k)],
                                  outs[static_cast<std::size_t>(k)], std::span(&seed, 1), replay);
    EXPECT_TRUE(same_bytes(x, xs[static_cast<std::size_t>(k + 1)])) << "step " << k;
  }
}

TEST_F(SamplerTest, StartsFromScaledNoiseOrTheNoisedCleanLatent) {
  const SamplingSchedule s = schedule(SamplerKind::euler, 10);
  const Sampler sampler(s, be);
  const Tensor noise = job_noise(be, kJob, 42, NoiseStream::initial_latent);
  EXPECT_TRUE(same_bytes(noise, be.gaussian_noise(kJob, 42, 0, 0)));
  const Tensor start = sampler.initial_latent(noise);
  for (std::int64_t i = 0; i < noise.numel(); ++i)
    ASSERT_EQ(start.f32()[i], noise.f32()[i] * s.init_noise_sigma);
  const Tensor clean = random_tensor(be, kJob, 9);
  const Tensor noised = sampler.noised_latent(clean, noise, 3);
  std::vector<double> want;
  for (std::int64_t i = 0; i < noise.numel(); ++i)
    want.push_back(clean.f32()[i] + double{s.sigmas[3]} * noise.f32()[i]);
  EXPECT_LT(max_error(noised, want), 1e-5);
  // Batch noise is each job's own noise stacked.
  const std::vector<std::uint64_t> seeds{42, 43};
  const Tensor both = batch_noise(be, kJob, seeds, NoiseStream::initial_latent);
  EXPECT_TRUE(same_bytes(both.slice(0, 1), noise));
  EXPECT_TRUE(same_bytes(both.slice(1, 2), job_noise(be, kJob, 43, NoiseStream::initial_latent)));
}

}  // namespace
}  // namespace seedgrid
