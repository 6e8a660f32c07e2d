#include <gtest/gtest.h>

#include "actors/validator/judge.hpp"
#include "runtime/protocol/job_result.hpp"

namespace seedgrid::validator {
namespace {

protocol::AuditTask task(const std::vector<std::uint8_t>& claimed, const std::string& cls) {
  protocol::AuditTask t;
  t.job.job_id = "r/0";
  t.job.attempt = 2;
  t.job.spec.model_id = std::string(64, 'a');
  t.audit_id = protocol::audit_id_of(t.job.job_id, 2);
  t.worker = Identity::from_seed({1}).public_key();
  t.claimed_pixels = claimed;
  t.claimed_output_hash = protocol::output_hash_of(claimed);
  t.claimed_determinism_class = cls;
  return t;
}

const std::vector<std::uint8_t> kImage(300, 100);

TEST(Judge, SameClassMustBeByteIdentical) {
  auto v = judge(task(kImage, "cpu-a"), kImage, "cpu-a", {});
  EXPECT_EQ(v.outcome, protocol::AuditOutcome::pass);
  EXPECT_EQ(v.audit_id, "r/0#2");
  EXPECT_EQ(v.attempt, 2u);
  EXPECT_EQ(v.recomputed_output_hash, v.claimed_output_hash);
  auto off_by_one = kImage;
  off_by_one[7] += 1;
  v = judge(task(off_by_one, "cpu-a"), kImage, "cpu-a", {});
  EXPECT_EQ(v.outcome, protocol::AuditOutcome::fail);
  EXPECT_EQ(v.max_abs_diff, 1u);
  EXPECT_NE(v.detail.find("1 of 300 values differ"), std::string::npos) << v.detail;
}

TEST(Judge, AcrossClassesWithinTheTolerance) {
  auto near = kImage;
  for (std::size_t i = 0; i < near.size(); i += 2) near[i] += 2;  // mean 1, max 2
  auto v = judge(task(near, "cuda-sm90-f16"), kImage, "cpu-a", {2.0, 4});
  EXPECT_EQ(v.outcome, protocol::AuditOutcome::pass) << v.detail;
  EXPECT_EQ(v.mean_abs_diff_milli, 1000u);
  v = judge(task(near, "cuda-sm90-f16"), kImage, "cpu-a", {0.5, 4});
  EXPECT_EQ(v.outcome, protocol::AuditOutcome::fail);
  v = judge(task(near, "cuda-sm90-f16"), kImage, "cpu-a", {2.0, 1});
  EXPECT_EQ(v.outcome, protocol::AuditOutcome::fail);
}

TEST(Judge, ClaimsThatContradictThemselvesFail) {
  auto t = task(kImage, "cuda-x");
  t.claimed_output_hash = protocol::output_hash_of(std::vector<std::uint8_t>(300, 1));
  EXPECT_EQ(judge(t, kImage, "cpu-a", {255.0, 255}).outcome, protocol::AuditOutcome::fail);
  EXPECT_EQ(judge(task(std::vector<std::uint8_t>(3, 1), "cpu-a"), kImage, "cpu-a", {}).outcome,
            protocol::AuditOutcome::fail);
}

TEST(Judge, VerdictSignatureCoversTheOutcome) {
  auto v = judge(task(kImage, "cpu-a"), kImage, "cpu-a", {});
  const Identity validator = Identity::from_seed({9});
  protocol::sign_verdict(v, validator);
  EXPECT_TRUE(protocol::verdict_signature_valid(v));
  v.outcome = protocol::AuditOutcome::fail;
  EXPECT_FALSE(protocol::verdict_signature_valid(v));
}

}  // namespace
}  // namespace seedgrid::validator
