// The shipped thresholds (config::kCalibratedThresholds, written by bench/calibrate) against a
// real second determinism class: the tiny preset rendered on F16StorageBackend (fp16 storage,
// fp32 math) and audited by an fp32 CPU validator, and the reverse. An honest render passes every
// audit, every step included; a wrong seed, a perturbed latent and a swapped image fail the audit
// that targets them. audits_test.cpp covers the threshold logic with thresholds of its own.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "config/calibrated_thresholds.hpp"
#include "runtime/base/verify/audits.hpp"
#include "tiny_render.hpp"

namespace seedgrid::verify {
namespace {

using testing::committed;
using testing::honest_render;
using testing::HonestRender;
using testing::tiny_pipeline;
using testing::tiny_pipeline_f16_storage;
using testing::tiny_spec;

const Thresholds& shipped() { return config::kCalibratedThresholds; }

LatentOpening opened(const Trajectory& t, std::uint32_t i) {
  auto o = t.open(i);
  EXPECT_TRUE(o) << o.error().message;
  return *o;
}

Result<AuditFinding> audit_step(const Pipeline& validator, const CommittedJob& job,
                                const Trajectory& t, std::uint32_t step) {
  const LatentOpening x_t = opened(t, step);
  const LatentOpening x_next = opened(t, step + 1);
  if (step == 0) return step_audit(validator, job, x_t, x_next, nullptr, shipped());
  const LatentOpening x_prev = opened(t, step - 1);
  return step_audit(validator, job, x_t, x_next, &x_prev, shipped());
}

bool same_bytes(const Tensor& a, const Tensor& b) {
  return a.bytes() == b.bytes() && std::memcmp(a.raw(), b.raw(), a.bytes()) == 0;
}

struct Direction {
  const char* name;
  bool f16_worker;  // otherwise an fp32 worker and an fp16-storage validator
  SamplerKind sampler;
};

class ShippedThresholdsAcrossClasses : public ::testing::TestWithParam<Direction> {
 protected:
  const Pipeline& worker() const {
    return GetParam().f16_worker ? tiny_pipeline_f16_storage() : tiny_pipeline();
  }
  const Pipeline& validator() const {
    return GetParam().f16_worker ? tiny_pipeline() : tiny_pipeline_f16_storage();
  }
};

TEST_P(ShippedThresholdsAcrossClasses, AnHonestRenderPassesEveryAudit) {
  const GenerationSpec spec = tiny_spec(GetParam().sampler, 31, 6);
  const HonestRender r = honest_render(worker(), spec);
  // A real second class: another class string, and numbers that are not the validator's.
  ASSERT_NE(r.job.determinism_class, validator().backend().determinism_class());
  const HonestRender own = honest_render(validator(), spec);
  ASSERT_EQ(r.trajectory.leaf_count(), 7u);

  auto noise = noise_audit(validator(), r.job, opened(r.trajectory, 0));
  ASSERT_TRUE(noise) << noise.error().message;
  EXPECT_EQ(noise->outcome, FindingOutcome::pass) << noise->detail;

  double worst = 0.0;
  bool some_latent_differs = false;
  for (std::uint32_t t = 0; t + 1 < r.trajectory.leaf_count(); ++t) {
    some_latent_differs |= !same_bytes(r.trajectory.latent(t + 1), own.trajectory.latent(t + 1));
    auto step = audit_step(validator(), r.job, r.trajectory, t);
    ASSERT_TRUE(step) << step.error().message;
    EXPECT_EQ(step->outcome, FindingOutcome::pass) << "t=" << t << ": " << step->detail;
    worst = std::max(worst, step->error);
  }
  EXPECT_TRUE(some_latent_differs) << "the two classes rendered the same bytes";
  EXPECT_GT(worst, 0.0) << "no step differed: the thresholds were never exercised";
  EXPECT_LE(worst, shipped().step_pass);

  auto decode = decode_audit(validator(), r.job, opened(r.trajectory, 6), r.image, shipped());
  ASSERT_TRUE(decode) << decode.error().message;
  EXPECT_EQ(decode->outcome, FindingOutcome::pass) << decode->detail;
  EXPECT_GE(decode->psnr_db, shipped().psnr_pass);

  auto full = full_audit(validator(), r.job, r.image, shipped());
  ASSERT_TRUE(full) << full.error().message;
  EXPECT_EQ(full->outcome, FindingOutcome::pass) << full->detail;
}

// The noise audit proves it; the full re-render across classes only flags it (grey: a referee of
// the worker's class re-renders and fails it bytewise), since an honest whole render in another
// class can drift as far.
TEST_P(ShippedThresholdsAcrossClasses, AWrongSeedFailsTheNoiseAuditAndTheFullAuditFlagsIt) {
  const GenerationSpec asked = tiny_spec(GetParam().sampler, 31, 6);
  GenerationSpec cheap = asked;
  cheap.seed = 32;  // the worker renders another seed and claims the asked one
  const HonestRender r = honest_render(worker(), cheap);
  const CommittedJob job =
      committed(asked, r.trajectory, r.image, worker().backend().determinism_class());
  auto noise = noise_audit(validator(), job, opened(r.trajectory, 0));
  ASSERT_TRUE(noise) << noise.error().message;
  EXPECT_EQ(noise->outcome, FindingOutcome::fail) << noise->detail;
  auto full = full_audit(validator(), job, r.image, shipped());
  ASSERT_TRUE(full) << full.error().message;
  EXPECT_EQ(full->outcome, FindingOutcome::grey) << full->detail;
  EXPECT_LT(full->psnr_db, shipped().psnr_fail);
  EXPECT_NE(full->detail.find("a validator of the worker's class decides"), std::string::npos)
      << full->detail;
}

TEST_P(ShippedThresholdsAcrossClasses, ALatentPerturbedAtOneStepFailsThatStepAudit) {
  const GenerationSpec spec = tiny_spec(GetParam().sampler, 31, 6);
  const HonestRender honest = honest_render(worker(), spec);
  // x_3 moved by 10 % of its update (a shortcut step), the rest recorded as rendered.
  constexpr std::uint32_t kCheat = 2;
  const Tensor& from = honest.trajectory.latent(kCheat);
  Tensor moved = Tensor::host(honest.trajectory.latent(kCheat + 1).shape());
  std::memcpy(moved.raw(), honest.trajectory.latent(kCheat + 1).raw(), moved.bytes());
  for (std::int64_t i = 0; i < moved.numel(); ++i)
    moved.f32()[i] += 0.1f * (moved.f32()[i] - from.f32()[i]) * (i % 2 == 0 ? 1.0f : -1.0f);
  Trajectory cheat;
  for (std::uint32_t i = 0; i < honest.trajectory.leaf_count(); ++i)
    cheat.record(i, i == kCheat + 1 ? moved : honest.trajectory.latent(i));
  const CommittedJob job =
      committed(spec, cheat, honest.image, worker().backend().determinism_class());
  auto step = audit_step(validator(), job, cheat, kCheat);
  ASSERT_TRUE(step) << step.error().message;
  EXPECT_EQ(step->outcome, FindingOutcome::fail) << step->detail;
  EXPECT_GT(step->error, shipped().step_fail);
}

TEST_P(ShippedThresholdsAcrossClasses, ASwappedImageFailsTheDecodeAudit) {
  const GenerationSpec spec = tiny_spec(GetParam().sampler, 31, 6);
  const HonestRender r = honest_render(worker(), spec);
  const HonestRender other = honest_render(worker(), tiny_spec(GetParam().sampler, 77, 6));
  const CommittedJob job =
      committed(spec, r.trajectory, other.image, worker().backend().determinism_class());
  auto decode = decode_audit(validator(), job, opened(r.trajectory, 6), other.image, shipped());
  ASSERT_TRUE(decode) << decode.error().message;
  EXPECT_EQ(decode->outcome, FindingOutcome::fail) << decode->detail;
  EXPECT_LT(decode->psnr_db, shipped().psnr_fail);
}

INSTANTIATE_TEST_SUITE_P(
    Classes, ShippedThresholdsAcrossClasses,
    ::testing::Values(Direction{"f16s_worker_cpu_validator_euler", true, SamplerKind::euler},
                      Direction{"f16s_worker_cpu_validator_euler_a", true,
                                SamplerKind::euler_ancestral},
                      Direction{"f16s_worker_cpu_validator_ddim", true, SamplerKind::ddim},
                      Direction{"f16s_worker_cpu_validator_dpmpp_2m", true, SamplerKind::dpmpp_2m},
                      Direction{"cpu_worker_f16s_validator_euler", false, SamplerKind::euler}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace seedgrid::verify
