#include <gtest/gtest.h>

#include <set>

#include "actors/coordinator/audit_plan.hpp"
#include "actors/coordinator/audit_rate.hpp"
#include "runtime/base/verify/audits.hpp"

namespace seedgrid::coordinator {
namespace {

using verify::AuditKind;

TEST(AuditRate, RaisedForNewAndLowReputationWorkersAndClamped) {
  config::AuditPolicy p;
  p.rate = 0.1;
  p.max_rate = 0.8;
  p.new_worker_results = 20;
  p.new_worker_rate = 0.5;
  p.low_reputation = 0.4;
  p.low_reputation_rate = 0.9;
  p.compute_saved = 0;
  EXPECT_DOUBLE_EQ(audit_rate(p, 100, 0.9), 0.1);
  EXPECT_DOUBLE_EQ(audit_rate(p, 3, 0.9), 0.5);    // new
  EXPECT_DOUBLE_EQ(audit_rate(p, 100, 0.2), 0.8);  // low reputation, clamped to max_rate
  p.rate = 0.0;
  EXPECT_DOUBLE_EQ(audit_rate(p, 3, 0.2), 0.0) << "a base rate of 0 switches audits off";
}

TEST(AuditRate, DeterrenceFloorMakesCheatingUnprofitable) {
  config::AuditPolicy p;
  p.rate = 0.01;
  p.max_rate = 1.0;
  p.new_worker_results = 0;
  p.detection = 0.5;
  p.stake_at_risk = 90'000;
  p.job_reward = 10'000;
  p.compute_saved = 5'000;
  // r * 0.5 * 100'000 >= 5'000  =>  r >= 0.1
  EXPECT_NEAR(deterrence_floor(p), 0.1, 1e-12);
  const double r = audit_rate(p, 1'000, 0.9);
  EXPECT_GE(r * p.detection * double(p.stake_at_risk + p.job_reward), double(p.compute_saved));
  p.stake_at_risk = 0;
  p.job_reward = 0;
  EXPECT_DOUBLE_EQ(audit_rate(p, 1'000, 0.9), 1.0) << "nothing at risk: audit everything";
}

TEST(AuditPlan, NoiseAndDecodeAlwaysStepsSecretAndStableFullSometimes) {
  config::AuditPolicy p;
  p.step_audits = 2;
  p.full_rate = 0.25;
  const Digest secret = blake2b(std::string_view("secret"));
  int full = 0;
  std::set<std::uint32_t> steps_seen;
  for (int i = 0; i < 400; ++i) {
    const std::string id = "r/" + std::to_string(i) + "#1";
    const auto plan = plan_audits(secret, id, 8, p);
    EXPECT_EQ(plan, plan_audits(secret, id, 8, p)) << "a restarted coordinator draws the same";
    ASSERT_GE(plan.size(), 4u);
    EXPECT_EQ(plan.front().kind, AuditKind::noise);
    std::set<std::uint32_t> steps;
    bool decode = false;
    for (const auto& a : plan) {
      if (a.kind == AuditKind::step) {
        EXPECT_LT(a.step, 8u);
        steps.insert(a.step);
        steps_seen.insert(a.step);
      }
      if (a.kind == AuditKind::decode) {
        decode = true;
        EXPECT_EQ(a.step, 8u);
      }
      full += a.kind == AuditKind::full;
    }
    EXPECT_EQ(steps.size(), 2u);
    EXPECT_TRUE(decode);
  }
  EXPECT_NEAR(full, 100, 35);
  EXPECT_EQ(steps_seen.size(), 8u) << "every step can be drawn";
  // Another secret draws other steps for the same job.
  int same = 0;
  const Digest other = blake2b(std::string_view("other"));
  for (int i = 0; i < 50; ++i) {
    const std::string id = "r/" + std::to_string(i) + "#1";
    same += plan_audits(secret, id, 8, p) == plan_audits(other, id, 8, p);
  }
  EXPECT_LT(same, 25);
  // No steps to open (the instant task): a full re-render only.
  EXPECT_EQ(plan_audits(secret, "x#1", 0, p), full_audit_only());
}

// A scripted job of two passes (3 steps, then 2: leaves 0..3 and 4..6): its step audits land on
// leaves that start a step of either pass, never on a pass's last leaf, and every step can be
// drawn; noise and decode (the last leaf) are always planned, as for txt2img.
TEST(AuditPlan, AScriptedJobsStepAuditsLandOnTheStepsOfEveryPass) {
  const Digest secret = blake2b(std::string_view("salt"));
  config::AuditPolicy p;
  p.step_audits = 2;
  p.full_rate = 0.0;
  const std::vector<std::uint32_t> passes{3, 2};
  std::set<std::uint32_t> leaves_seen;
  for (int i = 0; i < 200; ++i) {
    const std::string id = "r/" + std::to_string(i) + "#1";
    const auto plan = plan_scripted_audits(secret, id, passes, p);
    EXPECT_EQ(plan, plan_scripted_audits(secret, id, passes, p));
    ASSERT_EQ(plan.size(), 4u);
    EXPECT_EQ(plan.front().kind, AuditKind::noise);
    EXPECT_EQ(plan.back().kind, AuditKind::decode);
    EXPECT_EQ(plan.back().step, 6u);
    for (const auto& a : plan)
      if (a.kind == AuditKind::step) {
        EXPECT_NE(a.step, 3u) << "the first pass's last leaf starts no step";
        EXPECT_LT(a.step, 6u);
        leaves_seen.insert(a.step);
      }
  }
  EXPECT_EQ(leaves_seen, (std::set<std::uint32_t>{0, 1, 2, 4, 5}));
}

}  // namespace
}  // namespace seedgrid::coordinator
