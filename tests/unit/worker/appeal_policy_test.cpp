#include "actors/worker/appeal_policy.hpp"

#include <gtest/gtest.h>

namespace seedgrid::worker {
namespace {

protocol::Verdict verdict(const std::string& audit_id, protocol::AuditOutcome outcome) {
  protocol::Verdict v;
  v.audit_id = audit_id;
  v.outcome = outcome;
  v.detail = "step 3 differs";
  return v;
}

const Identity kWorker = Identity::from_seed({41});

TEST(AppealPolicy, AFailedVerdictIsAppealedOnceSignedByTheWorker) {
  AppealPolicy policy(true);
  auto first = policy.appeal(verdict("r/0#1", protocol::AuditOutcome::fail), kWorker);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->audit_id, "r/0#1");
  EXPECT_EQ(first->worker, kWorker.public_key());
  EXPECT_TRUE(protocol::appeal_signature_valid(*first));
  EXPECT_NE(first->reason.find("step 3 differs"), std::string::npos);
  EXPECT_FALSE(policy.appeal(verdict("r/0#1", protocol::AuditOutcome::fail), kWorker))
      << "the coordinator repeats the notice; the worker appeals once";
  EXPECT_TRUE(policy.appeal(verdict("r/1#1", protocol::AuditOutcome::fail), kWorker));
}

TEST(AppealPolicy, PassAndGreyVerdictsAreNotAppealed) {
  AppealPolicy policy(true);
  EXPECT_FALSE(policy.appeal(verdict("r/0#1", protocol::AuditOutcome::pass), kWorker));
  EXPECT_FALSE(policy.appeal(verdict("r/0#1", protocol::AuditOutcome::grey), kWorker));
}

TEST(AppealPolicy, AWorkerNotConfiguredToAppealAcceptsTheVerdict) {
  AppealPolicy policy(false);
  EXPECT_FALSE(policy.appeal(verdict("r/0#1", protocol::AuditOutcome::fail), kWorker));
}

}  // namespace
}  // namespace seedgrid::worker
