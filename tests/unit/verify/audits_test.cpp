#include "runtime/base/verify/audits.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <set>

#include "tiny_render.hpp"

namespace seedgrid::verify {
namespace {

using testing::committed;
using testing::honest_render;
using testing::HonestRender;
using testing::tiny_pipeline;
using testing::tiny_spec;

// The CPU render relabelled with another class string: it takes the audits' threshold branch, but
// its numbers are the validator's own. calibrated_thresholds_test.cpp audits a real second class
// (fp16 storage) under the shipped thresholds.
constexpr const char* kRelabelledClass = "cuda-sm90-nvidia_h100_80gb_hbm3-f16-0badc0de";

// Round thresholds of this test (not the shipped, calibrated ones) so that the scaled
// perturbations below land plainly in pass, grey and fail.
Thresholds round_thresholds() {
  Thresholds t;
  t.step_pass = 0.01;
  t.step_fail = 0.1;
  t.psnr_pass = 35.0;
  t.psnr_fail = 25.0;
  t.ssim_pass = 0.95;
  t.ssim_fail = 0.8;
  return t;
}

LatentOpening opened(const Trajectory& t, std::uint32_t i) {
  auto o = t.open(i);
  EXPECT_TRUE(o) << o.error().message;
  return *o;
}

Tensor copy(const Tensor& t) {
  Tensor out = Tensor::host(t.shape());
  std::memcpy(out.raw(), t.raw(), t.bytes());
  return out;
}

// x + scale * (x - from), elementwise: a perturbation sized relative to the step's update.
Tensor pushed(const Tensor& x, const Tensor& from, float scale) {
  Tensor out = copy(x);
  for (std::int64_t i = 0; i < out.numel(); ++i)
    out.f32()[i] += scale * (x.f32()[i] - from.f32()[i]) * (i % 2 == 0 ? 1.0f : -1.0f);
  return out;
}

// The honest trajectory with x_{t+1} replaced (later latents unchanged: only step t is audited).
Trajectory with_latent(const Trajectory& honest, std::uint32_t t_next, const Tensor& replacement) {
  Trajectory out;
  for (std::uint32_t i = 0; i < honest.leaf_count(); ++i)
    out.record(i, i == t_next ? replacement : honest.latent(i));
  return out;
}

Result<AuditFinding> audit_step(const HonestRender& r, const CommittedJob& job, const Trajectory& t,
                                std::uint32_t step, const Thresholds& th = {}) {
  const LatentOpening x_t = opened(t, step);
  const LatentOpening x_next = opened(t, step + 1);
  if (step == 0) return step_audit(tiny_pipeline(), job, x_t, x_next, nullptr, th);
  const LatentOpening x_prev = opened(t, step - 1);
  (void)r;
  return step_audit(tiny_pipeline(), job, x_t, x_next, &x_prev, th);
}

class HonestRenderPasses : public ::testing::TestWithParam<SamplerKind> {};

TEST_P(HonestRenderPasses, EveryAudit) {
  const HonestRender r = honest_render(tiny_spec(GetParam()));
  ASSERT_EQ(r.trajectory.leaf_count(), 5u);
  const Pipeline& p = tiny_pipeline();

  auto noise = noise_audit(p, r.job, opened(r.trajectory, 0));
  ASSERT_TRUE(noise) << noise.error().message;
  EXPECT_EQ(noise->outcome, FindingOutcome::pass) << noise->detail;
  EXPECT_EQ(noise->expected, r.trajectory.leaves()[0]);

  for (std::uint32_t t = 0; t + 1 < r.trajectory.leaf_count(); ++t) {
    auto step = audit_step(r, r.job, r.trajectory, t);
    ASSERT_TRUE(step) << step.error().message;
    EXPECT_EQ(step->outcome, FindingOutcome::pass) << "t=" << t << ": " << step->detail;
    EXPECT_EQ(step->step, static_cast<std::int32_t>(t));
    EXPECT_EQ(step->error, 0.0);
    EXPECT_EQ(step->expected, r.trajectory.leaves()[t + 1]);
  }

  auto decode = decode_audit(p, r.job, opened(r.trajectory, 4), r.image, {});
  ASSERT_TRUE(decode) << decode.error().message;
  EXPECT_EQ(decode->outcome, FindingOutcome::pass) << decode->detail;
  EXPECT_EQ(decode->step, 4);
  EXPECT_EQ(decode->expected, r.job.output_hash);

  auto full = full_audit(p, r.job, r.image, {});
  ASSERT_TRUE(full) << full.error().message;
  EXPECT_EQ(full->outcome, FindingOutcome::pass) << full->detail;
}

INSTANTIATE_TEST_SUITE_P(Samplers, HonestRenderPasses,
                         ::testing::Values(SamplerKind::euler, SamplerKind::euler_ancestral,
                                           SamplerKind::ddim, SamplerKind::dpmpp_2m),
                         [](const auto& info) {
                           return std::string(sampler_kind_name(info.param));
                         });

TEST(NoiseAudit, PassesFromTheProofAloneAndFailsForAnotherSeed) {
  const HonestRender r = honest_render(tiny_spec());
  LatentOpening proof_only = opened(r.trajectory, 0);
  proof_only.latent = Tensor();
  auto ok = noise_audit(tiny_pipeline(), r.job, proof_only);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->outcome, FindingOutcome::pass) << ok->detail;

  CommittedJob other = r.job;
  other.spec.seed += 1;  // the worker started from noise that is not the seed's
  auto bad = noise_audit(tiny_pipeline(), other, proof_only);
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->outcome, FindingOutcome::fail);
  EXPECT_NE(bad->detail.find("seed"), std::string::npos) << bad->detail;

  // Leaf 0 is compared bytewise whatever the classes.
  other = r.job;
  other.determinism_class = kRelabelledClass;
  auto cross = noise_audit(tiny_pipeline(), other, opened(r.trajectory, 0));
  ASSERT_TRUE(cross);
  EXPECT_EQ(cross->outcome, FindingOutcome::pass);
  LatentOpening nudged = opened(r.trajectory, 0);
  nudged.latent = copy(nudged.latent);
  nudged.latent.f32()[0] += 1e-6f;
  auto off = noise_audit(tiny_pipeline(), other, nudged);
  ASSERT_TRUE(off);
  EXPECT_EQ(off->outcome, FindingOutcome::fail);
}

TEST(NoiseAudit, AProofOfAnotherLeafFails) {
  const HonestRender r = honest_render(tiny_spec());
  LatentOpening x0 = opened(r.trajectory, 0);
  x0.proof = opened(r.trajectory, 1).proof;
  auto f = noise_audit(tiny_pipeline(), r.job, x0);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->outcome, FindingOutcome::fail);
}

TEST(NoiseAudit, ASpecTheModelCannotRenderIsTheValidatorsError) {
  const HonestRender r = honest_render(tiny_spec());
  CommittedJob job = r.job;
  job.spec.width = 65;
  auto f = noise_audit(tiny_pipeline(), job, opened(r.trajectory, 0));
  EXPECT_FALSE(f);
}

TEST(StepAudit, TamperedOpeningsFail) {
  const HonestRender r = honest_render(tiny_spec());
  const Pipeline& p = tiny_pipeline();
  const LatentOpening x1 = opened(r.trajectory, 1);
  const LatentOpening x2 = opened(r.trajectory, 2);

  LatentOpening forged = x2;  // bytes changed after the commitment
  forged.latent = copy(x2.latent);
  forged.latent.f32()[3] = 0.5f;
  auto f = step_audit(p, r.job, x1, forged, nullptr, {});
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(f->outcome, FindingOutcome::fail);
  EXPECT_NE(f->detail.find("x_2"), std::string::npos) << f->detail;

  LatentOpening sibling = x1;
  sibling.proof.siblings.back()[7] ^= 0x40;
  auto g = step_audit(p, r.job, sibling, x2, nullptr, {});
  ASSERT_TRUE(g);
  EXPECT_EQ(g->outcome, FindingOutcome::fail);

  LatentOpening shaped = x1;
  shaped.latent = x1.latent.reshape({1, 1, x1.latent.dim(1) * x1.latent.dim(2), x1.latent.dim(3)});
  auto h = step_audit(p, r.job, shaped, x2, nullptr, {});
  ASSERT_TRUE(h) << h.error().message;
  EXPECT_EQ(h->outcome, FindingOutcome::fail);
  EXPECT_NE(h->detail.find("shape"), std::string::npos) << h->detail;

  CommittedJob short_job = r.job;
  short_job.leaf_count = 4;  // a commitment that claims fewer steps than the job runs
  auto k = step_audit(p, short_job, x1, x2, nullptr, {});
  ASSERT_TRUE(k);
  EXPECT_EQ(k->outcome, FindingOutcome::fail);
}

TEST(StepAudit, MismatchedOpeningsAreTheValidatorsError) {
  const HonestRender r = honest_render(tiny_spec(SamplerKind::dpmpp_2m));
  const Pipeline& p = tiny_pipeline();
  EXPECT_FALSE(step_audit(p, r.job, opened(r.trajectory, 1), opened(r.trajectory, 3), nullptr, {}));
  // dpmpp_2m is multistep: x_{t-1} is needed from t = 1 on.
  auto missing =
      step_audit(p, r.job, opened(r.trajectory, 1), opened(r.trajectory, 2), nullptr, {});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("dpmpp_2m"), std::string::npos);
}

TEST(StepAudit, ALatentPerturbedAtOneStepIsCaughtAtThatStep) {
  const GenerationSpec spec = tiny_spec(SamplerKind::euler, 21, 6);
  const HonestRender honest = honest_render(spec);
  const Pipeline& p = tiny_pipeline();
  // The cheat: a wrong x_3 (a skipped or shortcut step), then honest steps from there on, so
  // every other step is consistent and the pixels are those of the committed x_N.
  constexpr std::uint32_t kCheat = 2;
  Trajectory cheat;
  for (std::uint32_t t = 0; t <= kCheat; ++t) cheat.record(t, honest.trajectory.latent(t));
  cheat.record(kCheat + 1, pushed(honest.trajectory.latent(kCheat + 1),
                                  honest.trajectory.latent(kCheat), 0.2f));
  for (std::uint32_t t = kCheat + 1; t < 6; ++t) {
    auto next = p.replay_step(spec, static_cast<int>(t), cheat.latent(t));
    ASSERT_TRUE(next) << next.error().message;
    cheat.record(t + 1, *next);
  }
  auto image = p.decode_latent(cheat.latent(6));
  ASSERT_TRUE(image);
  const CommittedJob job = committed(spec, cheat, *image, p.backend().determinism_class());
  for (std::uint32_t t = 0; t < 6; ++t) {
    auto f = step_audit(p, job, opened(cheat, t), opened(cheat, t + 1), nullptr, {});
    ASSERT_TRUE(f) << f.error().message;
    EXPECT_EQ(f->outcome, t == kCheat ? FindingOutcome::fail : FindingOutcome::pass)
        << "t=" << t << ": " << f->detail;
    if (t == kCheat) {
      EXPECT_GT(f->error, 0.1);
      EXPECT_NE(f->expected, f->received);
    }
  }
  auto decode = decode_audit(p, job, opened(cheat, 6), *image, {});
  ASSERT_TRUE(decode);
  EXPECT_EQ(decode->outcome, FindingOutcome::pass);  // only the step audit can see this cheat
  auto noise = noise_audit(p, job, opened(cheat, 0));
  ASSERT_TRUE(noise);
  EXPECT_EQ(noise->outcome, FindingOutcome::pass);
}

TEST(StepAudit, SameClassComparesBytesAndOtherClassesUseThresholds) {
  const HonestRender r = honest_render(tiny_spec());
  const Pipeline& p = tiny_pipeline();
  constexpr std::uint32_t t = 1;
  struct Case {
    float scale;
    FindingOutcome across;
  };
  for (const Case c : {Case{0.001f, FindingOutcome::pass}, Case{0.03f, FindingOutcome::grey},
                       Case{0.5f, FindingOutcome::fail}}) {
    const Tensor next = pushed(r.trajectory.latent(t + 1), r.trajectory.latent(t), c.scale);
    const Trajectory traj = with_latent(r.trajectory, t + 1, next);
    CommittedJob job = committed(r.job.spec, traj, r.image, kRelabelledClass);
    auto across = audit_step(r, job, traj, t, round_thresholds());
    ASSERT_TRUE(across) << across.error().message;
    EXPECT_EQ(across->outcome, c.across) << "scale " << c.scale << ": " << across->detail;
    // ||δ|| / ||u + δ|| with δ = scale·u (signs alternating): about scale / sqrt(1 + scale²).
    EXPECT_GT(across->error, c.scale * 0.85);
    EXPECT_LT(across->error, c.scale * 1.05);

    job.determinism_class = p.backend().determinism_class();
    auto same = audit_step(r, job, traj, t, round_thresholds());
    ASSERT_TRUE(same);
    EXPECT_EQ(same->outcome, FindingOutcome::fail) << "scale " << c.scale << ": " << same->detail;
  }
  // An honest step is a pass across classes too (error 0).
  CommittedJob honest_other = r.job;
  honest_other.determinism_class = kRelabelledClass;
  auto honest = audit_step(r, honest_other, r.trajectory, t, round_thresholds());
  ASSERT_TRUE(honest);
  EXPECT_EQ(honest->outcome, FindingOutcome::pass);
}

TEST(StepAudit, NanLatentFailsAcrossClasses) {
  const HonestRender r = honest_render(tiny_spec());
  Tensor next = copy(r.trajectory.latent(2));
  next.f32()[0] = std::nanf("");
  const Trajectory traj = with_latent(r.trajectory, 2, next);
  const CommittedJob job = committed(r.job.spec, traj, r.image, kRelabelledClass);
  auto f = audit_step(r, job, traj, 1, round_thresholds());
  ASSERT_TRUE(f);
  EXPECT_EQ(f->outcome, FindingOutcome::fail) << f->detail;
}

TEST(DecodeAudit, ASwappedImageFails) {
  const HonestRender r = honest_render(tiny_spec());
  const HonestRender other = honest_render(tiny_spec(SamplerKind::euler, 99));
  // The worker delivers (and signs) another image than its committed x_N decodes to.
  CommittedJob job = committed(r.job.spec, r.trajectory, other.image,
                               tiny_pipeline().backend().determinism_class());
  for (const char* cls : {"same", kRelabelledClass}) {
    if (std::string(cls) != "same") job.determinism_class = cls;
    auto f = decode_audit(tiny_pipeline(), job, opened(r.trajectory, 4), other.image, round_thresholds());
    ASSERT_TRUE(f) << f.error().message;
    EXPECT_EQ(f->outcome, FindingOutcome::fail) << cls << ": " << f->detail;
    EXPECT_EQ(f->expected, r.job.output_hash);
    EXPECT_EQ(f->received, job.output_hash);
    EXPECT_LT(f->psnr_db, 25.0);
  }
  // Pixels that are not the ones the worker signed fail before anything is decoded.
  auto unsigned_pixels =
      decode_audit(tiny_pipeline(), r.job, opened(r.trajectory, 4), other.image, {});
  ASSERT_TRUE(unsigned_pixels);
  EXPECT_EQ(unsigned_pixels->outcome, FindingOutcome::fail);
  EXPECT_NE(unsigned_pixels->detail.find("output hash"), std::string::npos);
}

TEST(DecodeAudit, AcrossClassesSmallPixelNoisePassesSameClassFails) {
  const HonestRender r = honest_render(tiny_spec());
  RgbImage near = r.image;
  for (std::size_t i = 0; i < near.pixels.size(); i += 5)
    near.pixels[i] = static_cast<std::uint8_t>(near.pixels[i] < 255 ? near.pixels[i] + 1 : 254);
  CommittedJob job = committed(r.job.spec, r.trajectory, near, kRelabelledClass);
  auto across = decode_audit(tiny_pipeline(), job, opened(r.trajectory, 4), near, round_thresholds());
  ASSERT_TRUE(across) << across.error().message;
  EXPECT_EQ(across->outcome, FindingOutcome::pass) << across->detail;
  EXPECT_GT(across->psnr_db, 35.0);
  job.determinism_class = tiny_pipeline().backend().determinism_class();
  auto same = decode_audit(tiny_pipeline(), job, opened(r.trajectory, 4), near, round_thresholds());
  ASSERT_TRUE(same);
  EXPECT_EQ(same->outcome, FindingOutcome::fail) << same->detail;
}

TEST(DecodeAudit, AnOpeningThatIsNotTheLastLeafFails) {
  const HonestRender r = honest_render(tiny_spec());
  auto f = decode_audit(tiny_pipeline(), r.job, opened(r.trajectory, 3), r.image, {});
  ASSERT_TRUE(f);
  EXPECT_EQ(f->outcome, FindingOutcome::fail);
}

// Across classes a whole re-render is no proof (it can drift honestly): the swapped image is grey
// there, which the coordinator escalates to a referee of the worker's class, where it fails.
TEST(FullAudit, SwappedImageFailsInTheSameClassIsGreyAcrossAndAForgedRootFails) {
  const HonestRender r = honest_render(tiny_spec());
  const HonestRender other = honest_render(tiny_spec(SamplerKind::euler, 99));
  const Pipeline& p = tiny_pipeline();
  CommittedJob swapped = r.job;
  swapped.output_hash = other.job.output_hash;
  auto f = full_audit(p, swapped, other.image, round_thresholds());
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(f->outcome, FindingOutcome::fail);
  swapped.determinism_class = kRelabelledClass;
  auto g = full_audit(p, swapped, other.image, round_thresholds());
  ASSERT_TRUE(g);
  EXPECT_EQ(g->outcome, FindingOutcome::grey) << g->detail;
  EXPECT_LT(g->psnr_db, round_thresholds().psnr_fail) << g->detail;
  CommittedJob unsigned_pixels = swapped;  // pixels the worker did not sign: proof in any class
  unsigned_pixels.output_hash = r.job.output_hash;
  auto u = full_audit(p, unsigned_pixels, other.image, round_thresholds());
  ASSERT_TRUE(u);
  EXPECT_EQ(u->outcome, FindingOutcome::fail) << u->detail;

  CommittedJob forged_root = r.job;  // right pixels, a trajectory that was never rendered
  forged_root.trajectory_root = other.job.trajectory_root;
  auto h = full_audit(p, forged_root, r.image, {});
  ASSERT_TRUE(h);
  EXPECT_EQ(h->outcome, FindingOutcome::fail);
  EXPECT_NE(h->detail.find("root"), std::string::npos) << h->detail;

  CommittedJob across = r.job;
  across.determinism_class = kRelabelledClass;
  auto k = full_audit(p, across, r.image, round_thresholds());
  ASSERT_TRUE(k);
  EXPECT_EQ(k->outcome, FindingOutcome::pass) << k->detail;
}

TEST(ChooseAuditSteps, DistinctInRangeSortedAndReproducible) {
  const Digest secret = blake2b("coordinator secret");
  const auto a = choose_audit_steps(secret, "req/3#1", 20, 3);
  ASSERT_EQ(a.size(), 3u);
  EXPECT_TRUE(std::is_sorted(a.begin(), a.end()));
  EXPECT_EQ(std::set<std::uint32_t>(a.begin(), a.end()).size(), 3u);
  for (auto t : a) EXPECT_LT(t, 20u);
  EXPECT_EQ(a, choose_audit_steps(secret, "req/3#1", 20, 3));
  // Another job or secret draws differently (over many draws some must differ).
  int differ = 0;
  for (int i = 0; i < 16; ++i)
    differ += choose_audit_steps(secret, "req/" + std::to_string(i) + "#1", 20, 3) != a;
  EXPECT_GT(differ, 10);
  EXPECT_NE(choose_audit_steps(blake2b("other"), "req/3#1", 50, 5),
            choose_audit_steps(secret, "req/3#1", 50, 5));
  const auto all = choose_audit_steps(secret, "x", 4, 9);
  EXPECT_EQ(all, (std::vector<std::uint32_t>{0, 1, 2, 3}));
  EXPECT_TRUE(choose_audit_steps(secret, "x", 0, 2).empty());
}

TEST(ChooseAuditSteps, CoversEveryStepOverManyJobs) {
  const Digest secret = blake2b("s");
  std::set<std::uint32_t> seen;
  for (int i = 0; i < 200; ++i)
    for (auto t : choose_audit_steps(secret, std::to_string(i), 10, 2)) seen.insert(t);
  EXPECT_EQ(seen.size(), 10u);
}

TEST(AuditNames, RoundTrip) {
  for (AuditKind k : {AuditKind::noise, AuditKind::step, AuditKind::decode, AuditKind::full}) {
    auto parsed = parse_audit_kind(audit_kind_name(k));
    ASSERT_TRUE(parsed);
    EXPECT_EQ(*parsed, k);
  }
  EXPECT_FALSE(parse_audit_kind("partial"));
  EXPECT_EQ(finding_outcome_name(FindingOutcome::grey), "grey");
}

}  // namespace
}  // namespace seedgrid::verify
