#include <gtest/gtest.h>

#include <cmath>

#include "actors/validator/audit_runner.hpp"
#include "actors/worker/cheats/cheat.hpp"
#include "actors/worker/commitment.hpp"
#include "actors/rendering/renderer.hpp"
#include "actors/worker/test_fault.hpp"
#include "config/node_config.hpp"
#include "runtime/base/protocol/job_result.hpp"
#include "tests/unit/validator/tiny_model.hpp"

namespace seedgrid::validator {
namespace {

using verify::AuditKind;
using verify::FindingOutcome;

// A tiny model, one honest renderer (the validator's and the honest worker's: same class).
class AuditRunnerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    model_id_ = testing::tiny_model().model_id;
    rendering_ = testing::tiny_rendering();
    validator_ = testing::tiny_renderer();
  }
  static void TearDownTestSuite() { validator_.reset(); }

  static protocol::Job job() {
    protocol::Job j;
    j.request_id = "r";
    j.index = 0;
    j.job_id = "r/0";
    j.attempt = 1;
    j.spec.model_id = model_id_;
    j.spec.prompt = "a lighthouse";
    j.spec.seed = 42;
    j.spec.steps = 8;
    j.spec.guidance = 5.0f;
    j.spec.sampler = "euler";
    j.spec.width = 64;
    j.spec.height = 64;
    return j;
  }

  // What a worker rendering with `renderer` delivers and commits, and the task auditing it with
  // noise, a step audit at t = 2 and t = 5, decode and full.
  struct Delivered {
    protocol::AuditTask task;
    std::shared_ptr<const verify::Trajectory> trajectory;
  };
  static Delivered deliver(const rendering::Renderer& renderer) { return deliver(renderer, job()); }
  static Delivered deliver(const rendering::Renderer& renderer, const protocol::Job& j) {
    auto out = renderer.render(std::span(&j.spec, 1), {});
    EXPECT_TRUE(out.images[0]) << out.images[0].error().message;
    auto& image = *out.images[0];
    protocol::JobResult r;
    r.job_id = j.job_id;
    r.attempt = j.attempt;
    r.spec_hash = protocol::spec_hash(j.spec);
    r.model_id = j.spec.model_id;
    r.width = j.spec.width;
    r.height = j.spec.height;
    r.output_hash = protocol::output_hash_of(image.pixels);
    r.trajectory_root = image.trajectory_root;
    r.determinism_class = renderer.determinism_class();
    worker::fill_commitment(r, j.spec, renderer.precision(), image.trajectory.get());
    protocol::sign_result(r, worker_key());
    Delivered d;
    d.trajectory = image.trajectory;
    auto& t = d.task;
    t.audit_id = protocol::audit_id_of(j.job_id, j.attempt);
    t.job = j;
    t.worker = worker_key().public_key();
    t.claimed_output_hash = r.output_hash;
    t.claimed_determinism_class = r.determinism_class;
    t.claimed_pixels = image.pixels;
    t.has_commitment = true;
    t.commitment = r;
    auto k = [](AuditKind kind, std::uint32_t step = 0) {
      return protocol::AuditItem{kind, step};
    };
    t.audits = {k(AuditKind::noise), k(AuditKind::step, 2), k(AuditKind::step, 5),
                k(AuditKind::decode, 8), k(AuditKind::full)};
    return d;
  }

  static protocol::Opening open(const Delivered& d) {
    protocol::Opening o;
    o.audit_id = d.task.audit_id;
    o.job_id = d.task.job.job_id;
    o.attempt = d.task.job.attempt;
    for (std::uint32_t t : openings_needed(d.task))
      o.openings.push_back(protocol::wire_opening(*d.trajectory->open(t)));
    protocol::sign_opening(o, worker_key());
    return o;
  }

  static const Identity& worker_key() {
    static const Identity k = Identity::from_seed({21});
    return k;
  }
  static verify::Thresholds thresholds() {
    const auto t = config::default_validator_thresholds();
    return {t.step_pass, t.step_fail, t.psnr_pass, t.psnr_fail, t.ssim_pass, t.ssim_fail};
  }
  static const verify::AuditFinding& find(const std::vector<verify::AuditFinding>& f,
                                          AuditKind kind) {
    for (const auto& x : f)
      if (x.kind == kind && x.outcome != FindingOutcome::pass) return x;
    for (const auto& x : f)
      if (x.kind == kind) return x;
    ADD_FAILURE() << "no finding of kind " << verify::audit_kind_name(kind);
    return f.front();
  }

  static inline std::string model_id_;
  static inline config::RenderingSection rendering_;
  static inline std::shared_ptr<rendering::Renderer> validator_;
};

TEST_F(AuditRunnerTest, OpeningsNeededCoverEachAuditedStepAndItsNeighbours) {
  protocol::AuditTask t;
  t.audits = {{AuditKind::step, 0}, {AuditKind::step, 5}, {AuditKind::decode, 8}};
  EXPECT_EQ(openings_needed(t), (std::vector<std::uint32_t>{0, 1, 4, 5, 6}));
}

TEST_F(AuditRunnerTest, AnHonestResultPassesEveryAudit) {
  const auto d = deliver(*validator_);
  const auto findings = run_audits(validator_->pipeline(model_id_), d.task, open(d), thresholds());
  ASSERT_EQ(findings.size(), 5u);
  for (const auto& f : findings)
    EXPECT_EQ(f.outcome, FindingOutcome::pass)
        << verify::audit_kind_name(f.kind) << " " << f.step << ": " << f.detail;
  const auto v = verdict_of(d.task, findings, validator_->determinism_class());
  EXPECT_EQ(v.outcome, protocol::AuditOutcome::pass) << v.detail;
  EXPECT_EQ(v.evidence.size(), 5u);
  EXPECT_EQ(v.recomputed_output_hash, d.task.claimed_output_hash);
  // Identical images have an infinite PSNR; on the wire every number is finite (CAF cannot
  // carry infinities: a verdict with one broke the validator's link).
  for (const auto& e : v.evidence)
    EXPECT_TRUE(std::isfinite(e.psnr_db) && std::isfinite(e.error) && std::isfinite(e.ssim));
}

// On a trained model two honest classes drift further apart than on random weights, so a
// validator judges such a model's jobs by the thresholds calibrated for it (its folder's
// calibrated_thresholds.json). This honest fp16-storage result is a job of the shapes model's
// calibration run (full re-render, dpmpp_2m, 4 steps, seed 1001: PSNR 57.7 dB, SSIM 0.99964): the
// thresholds measured on the random-weight presets (SSIM pass >= 0.99979) leave it grey, the
// model's own (SSIM pass >= 0.99887) pass it.
TEST_F(AuditRunnerTest, AnHonestResultOfAnotherClassIsJudgedByItsModelsOwnThresholds) {
  config::RenderingSection section;
  section.models.push_back({std::string(SEEDGRID_SOURCE_DIR) + "/models/zoo/shapes/model", ""});
  section.threads = 1;
  auto validator = rendering::Renderer::load(section, false);
  ASSERT_TRUE(validator) << validator.error().message;
  section.precision = "f16";
  auto worker = rendering::Renderer::load(section, false);
  ASSERT_TRUE(worker) << worker.error().message;
  ASSERT_NE((*validator)->determinism_class(), (*worker)->determinism_class());
  const std::string model = (*validator)->model_ids().front();
  const auto own = (*validator)->calibrated_thresholds(model);
  ASSERT_TRUE(own) << "models/zoo/shapes/model/calibrated_thresholds.json was not read";
  EXPECT_FALSE(validator_->calibrated_thresholds(model_id_)) << "the tiny preset has none";

  protocol::Job j = job();
  j.spec.model_id = model;
  j.spec.prompt = "a large yellow square in the centre on black";
  j.spec.negative_prompt = "blurry, low quality";
  j.spec.seed = 1001;
  j.spec.steps = 4;
  j.spec.guidance = 7.5f;
  j.spec.sampler = "dpmpp_2m";
  auto d = deliver(**worker, j);
  d.task.audits = {protocol::AuditItem{AuditKind::full, 0}};
  const Pipeline* pipeline = (*validator)->pipeline(model);
  const auto shipped =
      run_audits(pipeline, d.task, open(d), config::default_validator_thresholds());
  const auto calibrated = run_audits(pipeline, d.task, open(d), *own);
  ASSERT_EQ(shipped.size(), 1u);
  ASSERT_EQ(calibrated.size(), 1u);
  EXPECT_EQ(shipped[0].outcome, FindingOutcome::grey) << shipped[0].detail;
  EXPECT_EQ(calibrated[0].outcome, FindingOutcome::pass) << calibrated[0].detail;
}

TEST_F(AuditRunnerTest, AWorkerThatCannotOpenFailsTheStepAudit) {
  const auto d = deliver(*validator_);
  protocol::Opening none;
  none.error = "no trajectory kept for r/0 attempt 1";
  const auto findings = run_audits(validator_->pipeline(model_id_), d.task, none, thresholds());
  const auto& step = find(findings, AuditKind::step);
  EXPECT_EQ(step.outcome, FindingOutcome::fail);
  EXPECT_NE(step.detail.find("no opening"), std::string::npos) << step.detail;
  // An opening signed by someone else is no opening either.
  auto forged = open(d);
  protocol::sign_opening(forged, Identity::from_seed({99}));
  const auto again = run_audits(validator_->pipeline(model_id_), d.task, forged, thresholds());
  EXPECT_EQ(find(again, AuditKind::step).outcome, FindingOutcome::fail);
  const auto v = verdict_of(d.task, again, validator_->determinism_class());
  EXPECT_EQ(v.outcome, protocol::AuditOutcome::fail);
  EXPECT_NE(v.detail.find("step"), std::string::npos) << v.detail;
}

// The cheats of the zoo the network tests use, caught by the audit that targets them.
TEST_F(AuditRunnerTest, ForgedTrajectoryIsCaughtByTheStepAuditAndWrongSeedByTheNoiseAudit) {
  if (!worker::test_faults_enabled() || !worker::cheats_enabled())
    GTEST_SKIP() << "this build has no test faults";
  for (auto [name, kind] : {std::pair{"forged_trajectory", AuditKind::step},
                            std::pair{"wrong_seed", AuditKind::noise}}) {
    auto cheater = rendering::Renderer::load(rendering_, false);
    ASSERT_TRUE(cheater);
    auto cheat = worker::parse_cheat(name);
    ASSERT_TRUE(cheat);
    ASSERT_TRUE((*cheater)->enable_cheat(*cheat));
    const auto d = deliver(**cheater);
    const auto findings =
        run_audits(validator_->pipeline(model_id_), d.task, open(d), thresholds());
    EXPECT_EQ(find(findings, kind).outcome, FindingOutcome::fail) << name;
    const auto v = verdict_of(d.task, findings, validator_->determinism_class());
    EXPECT_EQ(v.outcome, protocol::AuditOutcome::fail) << name;
    bool evidence = false;
    for (const auto& e : v.evidence)
      evidence = evidence || (e.kind == kind && e.outcome == FindingOutcome::fail &&
                              e.expected != e.received);
    EXPECT_TRUE(evidence) << name << ": the verdict carries expected and received hashes";
  }
}

}  // namespace
}  // namespace seedgrid::validator
