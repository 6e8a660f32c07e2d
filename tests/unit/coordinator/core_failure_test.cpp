// The core when jobs go wrong: lost workers, timeouts, failed audits, forged or mismatched
// results. Each ends with the job run elsewhere or refunded, and every credit accounted for.
#include <gtest/gtest.h>

#include <set>

#include "core_fixture.hpp"

namespace seedgrid::coordinator::testing {
namespace {

using protocol::ErrorCode;
using protocol::EventKind;

TEST_F(CoreFixture, LostWorkerJobsRunElsewhereAndStaleResultsAreRefused) {
  register_node(w1_, protocol::Role::worker, worker_caps(8));
  register_node(w2_, protocol::Role::worker, worker_caps(1, 1'000));  // slow: few jobs
  ASSERT_TRUE(submit(request("r1", 4)).outcome.ok());
  auto first = take_jobs();
  std::vector<SendJob> on_w1;
  for (const auto& j : first)
    if (j.worker == w1_.public_key()) on_w1.push_back(j);
  ASSERT_FALSE(on_w1.empty());

  Outbox out;
  core_->node_down(w1_.public_key(), now_, out);
  pump(out);
  EXPECT_EQ(events_of(EventKind::retry).size(), on_w1.size());
  for (const auto& e : events_of(EventKind::retry)) EXPECT_EQ(e.code, ErrorCode::worker_lost);

  // The dead worker's late result is refused; re-runs went to w2 only.
  EXPECT_EQ(deliver(on_w1[0], w1_).code, ErrorCode::mismatch);
  std::size_t delivered = 0;
  for (int round = 0; round < 10 && delivered < 4; ++round) {
    for (const auto& j : take_jobs()) {
      EXPECT_EQ(j.worker, w2_.public_key());
      ASSERT_TRUE(deliver(j, w2_).ok());
    }
    for (const auto& j : first)
      if (j.worker == w2_.public_key()) {
        ASSERT_TRUE(deliver(j, w2_).ok());
        first.clear();
        break;
      }
    delivered = events_of(EventKind::result).size();
  }
  EXPECT_EQ(delivered, 4u);
  // Each job was settled exactly once.
  std::set<std::uint32_t> indices;
  for (const auto& e : events_of(EventKind::result)) EXPECT_TRUE(indices.insert(e.index).second);
  expect_conservation();
}

TEST_F(CoreFixture, TimeoutsRetryThenRefund) {
  policy_.retries.max_attempts = 2;
  open_core();
  register_node(w1_, protocol::Role::worker, worker_caps());
  const std::int64_t before = credits(payer_account());
  ASSERT_TRUE(submit(request("r1", 1)).outcome.ok());
  ASSERT_EQ(take_jobs().size(), 1u);
  for (int i = 0; i < 2; ++i) {
    now_ += 3'600'000;
    Outbox out;
    core_->tick(now_, out);
    pump(out);
  }
  EXPECT_EQ(events_of(EventKind::retry).size(), 1u);
  EXPECT_EQ(events_of(EventKind::retry)[0].code, ErrorCode::job_timeout);
  const auto failed = events_of(EventKind::failed);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].code, ErrorCode::attempts_exhausted);
  EXPECT_EQ(cancels_.size(), 2u);  // each timed-out attempt is stopped on its worker
  ASSERT_EQ(events_of(EventKind::completed).size(), 1u);
  EXPECT_EQ(events_of(EventKind::completed)[0].failed, 1u);
  EXPECT_EQ(credits(payer_account()), before);  // fully refunded
  expect_conservation();
}

TEST_F(CoreFixture, FailedAuditSlashesReRunsAndBlacklists) {
  policy_.audit.rate = 1.0;
  policy_.audit.blacklist_after = 1;
  open_core();
  // A validator and a worker with stake: tokens come from an epoch reward, then are bonded.
  register_node(w1_, protocol::Role::worker, worker_caps());
  register_node(validator_, protocol::Role::validator, worker_caps());
  const std::string cheater = worker_account(w1_.public_key());
  auto epoch = ledger_->apply(treasury::CloseEpoch{"epoch/0", 1, 0, {{cheater, 1'000, 3'600}}, {}});
  ASSERT_TRUE(epoch) << epoch.error().message;
  auto tokens = ledger_->balance(cheater, treasury::Asset::tokens);
  ASSERT_TRUE(tokens && *tokens > 0);
  ASSERT_TRUE(ledger_->apply(treasury::Stake{"stake/1", 2, cheater, *tokens}));

  ASSERT_TRUE(submit(request("r1", 1)).outcome.ok());
  auto jobs = take_jobs();
  ASSERT_EQ(jobs.size(), 1u);
  ASSERT_TRUE(deliver(jobs[0], w1_, /*wrong=*/true).ok());
  ASSERT_EQ(audits_.size(), 1u);
  EXPECT_EQ(audits_[0].validator, validator_.public_key());
  EXPECT_TRUE(events_of(EventKind::result).empty());  // not delivered before its audit

  // A second honest worker joins; the validator's verdict fails the cheater.
  register_node(w2_, protocol::Role::worker, worker_caps());
  const auto& task = audits_[0].task;
  protocol::Verdict v = protocol::verdict_on(task);
  v.recomputed_output_hash = protocol::output_hash_of(pixels_of(task.job));
  v.outcome = protocol::AuditOutcome::fail;
  v.detail = "bytes differ";
  // A verdict from a non-validator, or badly signed, is refused.
  {
    Outbox out;
    protocol::Verdict forged = v;
    protocol::sign_verdict(forged, w2_);
    EXPECT_EQ(core_->on_verdict(w2_.public_key(), forged, now_, out).code, ErrorCode::role_refused);
    protocol::Verdict unsigned_v = v;
    unsigned_v.validator = validator_.public_key();
    EXPECT_EQ(core_->on_verdict(validator_.public_key(), unsigned_v, now_, out).code,
              ErrorCode::bad_signature);
  }
  protocol::sign_verdict(v, validator_);
  Outbox out;
  ASSERT_TRUE(core_->on_verdict(validator_.public_key(), v, now_, out).ok());
  pump(out);

  const auto retry = events_of(EventKind::retry);
  ASSERT_EQ(retry.size(), 1u);
  EXPECT_EQ(retry[0].code, ErrorCode::audit_failed);
  EXPECT_TRUE(core_->nodes().find(w1_.public_key())->blacklisted);
  auto stake = ledger_->stake_of(cheater);
  ASSERT_TRUE(stake);
  EXPECT_LT(stake->bonded, *tokens);  // slashed
  auto bounty =
      ledger_->balance(validator_account(validator_.public_key()), treasury::Asset::tokens);
  ASSERT_TRUE(bounty);
  EXPECT_GT(*bounty, 0);

  // The re-run goes to the honest worker and is audited again, then delivered.
  auto rerun = take_jobs();
  ASSERT_EQ(rerun.size(), 1u);
  EXPECT_EQ(rerun[0].worker, w2_.public_key());
  EXPECT_EQ(rerun[0].job.attempt, 2u);
  ASSERT_TRUE(deliver(rerun[0], w2_).ok());
  ASSERT_EQ(audits_.size(), 2u);
  protocol::Verdict pass = v;
  pass.audit_id = audits_[1].task.audit_id;
  pass.attempt = 2;
  pass.worker = w2_.public_key();
  pass.claimed_output_hash = audits_[1].task.claimed_output_hash;
  pass.assignment = audits_[1].task.assignment;  // the hand-out it answers
  pass.outcome = protocol::AuditOutcome::pass;
  protocol::sign_verdict(pass, validator_);
  Outbox out2;
  ASSERT_TRUE(core_->on_verdict(validator_.public_key(), pass, now_, out2).ok());
  pump(out2);
  const auto results = events_of(EventKind::result);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].audit, "passed");
  EXPECT_EQ(results[0].worker, w2_.public_key());
  EXPECT_EQ(credits(cheater), 0);  // never paid
  // No more jobs for the blacklisted worker.
  ASSERT_TRUE(submit(request("r2", 3)).outcome.ok());
  for (const auto& j : take_jobs()) EXPECT_EQ(j.worker, w2_.public_key());
  expect_conservation();
}

TEST_F(CoreFixture, AuditWithoutValidatorOrPastItsTimeoutStillDelivers) {
  policy_.audit.rate = 1.0;
  policy_.audit.timeout_ms = 1'000;
  open_core();
  register_node(w1_, protocol::Role::worker, worker_caps());
  ASSERT_TRUE(submit(request("r1", 1)).outcome.ok());
  auto jobs = take_jobs();
  ASSERT_TRUE(deliver(jobs[0], w1_).ok());
  ASSERT_EQ(events_of(EventKind::result).size(), 1u);
  EXPECT_EQ(events_of(EventKind::result)[0].audit, "no validator");

  register_node(validator_, protocol::Role::validator, worker_caps());
  ASSERT_TRUE(submit(request("r2", 1)).outcome.ok());
  jobs = take_jobs();
  ASSERT_TRUE(deliver(jobs[0], w1_).ok());
  ASSERT_EQ(audits_.size(), 1u);
  now_ += 2'000;
  Outbox out;
  core_->tick(now_, out);
  pump(out);
  ASSERT_EQ(events_of(EventKind::result).size(), 2u);
  EXPECT_EQ(events_of(EventKind::result)[1].audit, "timed out");
}

TEST_F(CoreFixture, ForgedOrMismatchedResultsCountAsFailedAttempts) {
  register_node(w1_, protocol::Role::worker, worker_caps());
  register_node(w2_, protocol::Role::worker, worker_caps());
  ASSERT_TRUE(submit(request("r1", 1)).outcome.ok());
  auto jobs = take_jobs();
  ASSERT_EQ(jobs.size(), 1u);
  const Identity& assigned = jobs[0].worker == w1_.public_key() ? w1_ : w2_;
  const Identity& other = jobs[0].worker == w1_.public_key() ? w2_ : w1_;
  // Sent by a worker the job is not assigned to: refused, job unaffected.
  EXPECT_EQ(deliver(jobs[0], other).code, ErrorCode::mismatch);
  EXPECT_TRUE(events_of(EventKind::retry).empty());
  // Signed with another key by the assigned worker: a bad signature, and the job is re-run.
  auto forged = result_of(jobs[0].job, other);
  Outbox out;
  EXPECT_EQ(core_->on_result(assigned.public_key(), forged, now_, out).code,
            ErrorCode::bad_signature);
  pump(out);
  ASSERT_EQ(events_of(EventKind::retry).size(), 1u);
  EXPECT_EQ(events_of(EventKind::retry)[0].code, ErrorCode::bad_signature);
  auto rerun = take_jobs();
  ASSERT_EQ(rerun.size(), 1u);
  EXPECT_EQ(rerun[0].worker, other.public_key());
}

}  // namespace
}  // namespace seedgrid::coordinator::testing
