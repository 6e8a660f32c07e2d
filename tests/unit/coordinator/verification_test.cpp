// The coordinator's side of verification: audits chosen after the commit and sent with it, grey
// verdicts escalated to a referee of the worker's class, openings relayed only for the validator
// that holds the audit, and appeals that either uphold the slash or turn it on the accuser.
#include <algorithm>

#include "runtime/base/protocol/input_image.hpp"
#include "tests/unit/coordinator/verification_fixture.hpp"

namespace seedgrid::coordinator::testing {
namespace {

using protocol::AuditOutcome;
using protocol::ErrorCode;
using protocol::EventKind;

TEST_F(VerificationTest, TheAuditCarriesTheCommitmentAndAPlanChosenAfterIt) {
  open_core();
  register_node(w1_, protocol::Role::worker, worker_caps());
  register_node(validator_, protocol::Role::validator, worker_caps());
  const auto a = audited_job("r1");
  const auto& task = a.task;
  EXPECT_TRUE(task.has_commitment);
  EXPECT_EQ(task.commitment.leaf_count, 5u);
  EXPECT_TRUE(task.commitment.pixels.empty()) << "the pixels travel once, as claimed_pixels";
  EXPECT_EQ(task.claimed_pixels.size(), 64u * 64u * 3u);
  EXPECT_EQ(task.purpose, protocol::AuditPurpose::sampled);
  std::size_t steps = 0;
  for (const auto& item : task.audits) steps += verify::is_audit(item, verify::AuditKind::step);
  EXPECT_EQ(steps, 2u);
  EXPECT_EQ(task.audits.front().kind, verify::AuditKind::noise) << "noise first";
  // The worker's status shows its current (adaptive) audit rate.
  const auto status = core_->status(now_);
  const auto listed = std::find_if(status.nodes.begin(), status.nodes.end(),
                                   [&](const auto& n) { return n.node == w1_.public_key(); });
  ASSERT_NE(listed, status.nodes.end()) << "the worker is listed in the status";
  EXPECT_DOUBLE_EQ(listed->audit_rate, 1.0);
}

TEST_F(VerificationTest, OpeningsAreRelayedOnlyForTheValidatorHoldingTheAudit) {
  open_core();
  register_node(w1_, protocol::Role::worker, worker_caps());
  register_node(validator_, protocol::Role::validator, worker_caps());
  const auto a = audited_job("r1");
  protocol::OpeningRequest req{a.task.audit_id, a.task.job.job_id, a.task.job.attempt, {1, 2}};
  auto target = core_->opening_target(validator_.public_key(), req);
  ASSERT_TRUE(target) << target.error().message;
  EXPECT_EQ(*target, w1_.public_key());
  EXPECT_FALSE(core_->opening_target(validator2_.public_key(), req));
  req.attempt = 2;
  EXPECT_FALSE(core_->opening_target(validator_.public_key(), req));
}

// The validator's link drops while it audits and it registers again: the audit is handed out
// again under a new assignment, and the verdict it finishes for the first hand-out (whose
// openings, say, died with the link) is refused, not applied.
TEST_F(VerificationTest, AVerdictOnAnEarlierHandOutOfTheAuditIsRefused) {
  open_core();
  register_node(w1_, protocol::Role::worker, worker_caps());
  register_node(validator_, protocol::Role::validator, worker_caps());
  const auto first = audited_job("r1");
  register_node(validator_, protocol::Role::validator, worker_caps());  // a new session
  ASSERT_EQ(audits_.size(), 2u);
  const auto& again = audits_.back();
  ASSERT_EQ(again.validator, validator_.public_key());
  ASSERT_EQ(again.task.audit_id, first.task.audit_id);
  EXPECT_NE(again.task.assignment, first.task.assignment);
  const auto stale = judge(verdict(first.task, AuditOutcome::fail, validator_), validator_);
  EXPECT_FALSE(stale.ok());
  EXPECT_EQ(stale.code, ErrorCode::mismatch);
  EXPECT_NE(stale.reason.find("earlier hand-out"), std::string::npos) << stale.reason;
  EXPECT_TRUE(notices_.empty());
  EXPECT_EQ(core_->pending_penalties(), 0u);
  EXPECT_TRUE(events_of(EventKind::retry).empty()) << "the job was not failed";
  ASSERT_TRUE(judge(verdict(again.task, AuditOutcome::pass, validator_), validator_).ok());
  EXPECT_EQ(events_of(EventKind::result).size(), 1u);
}

TEST_F(VerificationTest, GreyIsEscalatedToAFullRenderOnTheWorkersClassBeforeAnySlash) {
  open_core();
  register_node(w1_, protocol::Role::worker, worker_caps());
  register_node(validator_, protocol::Role::validator, validator_caps("gpu-other"));
  const auto a = audited_job("r1");
  ASSERT_EQ(a.validator, validator_.public_key());
  register_node(validator2_, protocol::Role::validator, validator_caps("cpu-test"));
  ASSERT_TRUE(judge(verdict(a.task, AuditOutcome::grey, validator_), validator_).ok());
  ASSERT_EQ(audits_.size(), 2u);
  const auto& referee = audits_.back();
  EXPECT_EQ(referee.validator, validator2_.public_key()) << "the worker's own class referees";
  EXPECT_EQ(referee.task.purpose, protocol::AuditPurpose::referee);
  ASSERT_EQ(referee.task.audits.size(), 1u);
  EXPECT_EQ(referee.task.audits[0].kind, verify::AuditKind::full);
  EXPECT_TRUE(events_of(EventKind::result).empty()) << "not delivered while grey";
  EXPECT_EQ(slashes_of(worker_account(w1_.public_key())), 0u);
  // The first validator can no longer answer it; the referee can.
  EXPECT_FALSE(judge(verdict(a.task, AuditOutcome::fail, validator_), validator_).ok());
  ASSERT_TRUE(judge(verdict(referee.task, AuditOutcome::pass, validator2_), validator2_).ok());
  ASSERT_EQ(events_of(EventKind::result).size(), 1u);
  EXPECT_EQ(events_of(EventKind::result)[0].audit, "passed");
}

// The only validator of the worker's class failed the first attempt, so the re-run's sampled
// audit goes to the other class and comes back grey. The referee must still be of the worker's
// class: it has not judged this result, and the grey validator's own full re-render could only be
// grey again, delivering a cheat as "grey, not proven" (seen in CrossClassFaults when the cheater
// rendered the re-run too).
TEST_F(VerificationTest, AReRunsGreyIsRefereedByTheWorkersClassThoughItJudgedAnEarlierAttempt) {
  open_core();
  register_node(w1_, protocol::Role::worker, worker_caps());
  register_node(validator2_, protocol::Role::validator, validator_caps("cpu-test"));
  register_node(validator_, protocol::Role::validator, validator_caps("gpu-other"));
  const auto first = audited_job("r1");
  ASSERT_EQ(first.validator, validator2_.public_key()) << "the worker's class first";
  ASSERT_TRUE(judge(verdict(first.task, AuditOutcome::fail, validator2_), validator2_).ok());
  auto rerun = take_jobs();
  ASSERT_EQ(rerun.size(), 1u);
  ASSERT_EQ(rerun[0].worker, w1_.public_key()) << "no other worker to re-run it";
  ASSERT_TRUE(deliver(rerun[0], w1_).ok());
  const auto second = audits_.back();
  ASSERT_EQ(second.task.job.attempt, 2u);
  ASSERT_EQ(second.validator, validator_.public_key()) << "a re-run is audited by someone else";
  ASSERT_TRUE(judge(verdict(second.task, AuditOutcome::grey, validator_), validator_).ok());
  const auto referee = audits_.back();
  EXPECT_EQ(referee.task.purpose, protocol::AuditPurpose::referee);
  EXPECT_EQ(referee.validator, validator2_.public_key()) << "the worker's own class referees";
  ASSERT_TRUE(judge(verdict(referee.task, AuditOutcome::fail, validator2_), validator2_).ok());
  EXPECT_TRUE(events_of(EventKind::result).empty()) << "nothing of the cheat is delivered";
}

TEST_F(VerificationTest, AnUnappealedFailIsSlashedWhenTheAppealWindowCloses) {
  policy_.audit.appeals = true;
  policy_.audit.appeal_window_ms = 5'000;
  open_core();
  register_node(w1_, protocol::Role::worker, worker_caps());
  register_node(validator_, protocol::Role::validator, worker_caps());
  const auto a = audited_job("r1");
  register_node(w2_, protocol::Role::worker, worker_caps());
  ASSERT_TRUE(judge(verdict(a.task, AuditOutcome::fail, validator_), validator_).ok());
  ASSERT_EQ(notices_.size(), 1u);
  EXPECT_EQ(notices_[0].worker, w1_.public_key());
  EXPECT_EQ(events_of(EventKind::retry).size(), 1u) << "the re-run does not wait";
  EXPECT_EQ(core_->pending_penalties(), 1u);
  EXPECT_EQ(slashes_of(worker_account(w1_.public_key())), 0u);
  now_ += 6'000;
  Outbox out;
  core_->tick(now_, out);
  pump(out);
  EXPECT_EQ(core_->pending_penalties(), 0u);
  EXPECT_EQ(slashes_of(worker_account(w1_.public_key())), 1u);
}

// What a referee needs if the worker appeals stays while the penalty waits, even after its
// request has left memory: the image the failed verdict judged (it compares with it), and the
// images the request carried (an img2img's: it renders the job again from them).
TEST_F(VerificationTest, WhatAPendingPenaltyNeedsOutlivesItsRequest) {
  policy_.audit.appeals = true;
  policy_.audit.appeal_window_ms = 5'000;
  recent_done_requests_ = 1;
  task_types_ = {{"img2img", std::string(SEEDGRID_SOURCE_DIR) + "/models/tasks/img2img.lua"}};
  open_core();
  auto caps = worker_caps();
  caps.task_types = {std::string(protocol::kTaskScripts), "txt2img"};
  register_node(w1_, protocol::Role::worker, caps);
  register_node(validator_, protocol::Role::validator, caps);
  const RgbImage carried{64, 64, std::vector<std::uint8_t>(64 * 64 * 3, 91)};
  auto r1 = request("r1", 1);
  r1.task_type = "img2img";
  r1.params = {{"init_image", protocol::input_image_id(carried)}, {"strength", "0.5"}};
  r1.images = {carried};
  protocol::sign_request(r1, client_);
  ASSERT_TRUE(submit(r1).outcome.ok());
  auto jobs = take_jobs();
  ASSERT_EQ(jobs.size(), 1u);
  ASSERT_TRUE(deliver(jobs[0], w1_, /*wrong=*/true).ok());
  ASSERT_FALSE(audits_.empty());
  const protocol::AuditTask judged = audits_.back().task;
  const Digest cheat = judged.claimed_output_hash;
  audits_.clear();
  register_node(w2_, protocol::Role::worker, caps);
  ASSERT_TRUE(judge(verdict(judged, AuditOutcome::fail, validator_), validator_).ok());
  ASSERT_EQ(core_->pending_penalties(), 1u);

  // The re-run and a second request finish, audited and passed; r1 then leaves memory.
  const auto finish_jobs = [&] {
    for (const auto& j : take_jobs())
      ASSERT_TRUE(deliver(j, j.worker == w1_.public_key() ? w1_ : w2_).ok());
    for (const auto& a : std::exchange(audits_, {}))
      ASSERT_TRUE(judge(verdict(a.task, AuditOutcome::pass, validator_), validator_).ok());
  };
  finish_jobs();
  ASSERT_EQ(core_->request("r1")->phase, RequestPhase::done);
  const Digest delivered = core_->request("r1")->jobs[0].output_hash;
  ASSERT_NE(delivered, cheat);
  auto r2 = request("r2", 1);
  r2.seed = 7;
  protocol::sign_request(r2, client_);
  ASSERT_TRUE(submit(r2).outcome.ok());
  finish_jobs();
  ASSERT_EQ(core_->request("r1"), nullptr);
  const auto carried_served = [&] {
    auto found = core_->input_image(protocol::input_image_id(carried));
    EXPECT_TRUE(found) << found.error().message;
    return found && found->has_value();
  };
  EXPECT_TRUE(*core_->holds_image(cheat)) << "an appeal may still need it";
  EXPECT_FALSE(*core_->holds_image(delivered));
  EXPECT_TRUE(carried_served()) << "an appeal's referee may still need it";
  open_core();
  EXPECT_TRUE(*core_->holds_image(cheat)) << "nor does a restart let it go";
  EXPECT_TRUE(carried_served());

  // The window closes unappealed; the next start no longer keeps them.
  now_ += 6'000;
  Outbox out;
  core_->tick(now_, out);
  pump(out);
  ASSERT_EQ(core_->pending_penalties(), 0u);
  open_core();
  EXPECT_FALSE(*core_->holds_image(cheat));
  EXPECT_FALSE(carried_served());
}

TEST_F(VerificationTest, AWonAppealSparesTheWorkerAndSlashesTheAccuser) {
  policy_.audit.appeals = true;
  policy_.audit.blacklist_after = 1;
  open_core();
  register_node(w1_, protocol::Role::worker, worker_caps());
  register_node(validator_, protocol::Role::validator, worker_caps());
  const auto a = audited_job("r1");
  register_node(w2_, protocol::Role::worker, worker_caps());
  register_node(validator2_, protocol::Role::validator, worker_caps());
  ASSERT_TRUE(judge(verdict(a.task, AuditOutcome::fail, validator_), validator_).ok());
  EXPECT_TRUE(core_->nodes().find(w1_.public_key())->blacklisted);

  protocol::Appeal appeal;
  appeal.audit_id = a.task.audit_id;
  appeal.reason = "honest";
  protocol::sign_appeal(appeal, w2_);
  Outbox refused;
  EXPECT_EQ(core_->on_appeal(w1_.public_key(), appeal, now_, refused).code,
            ErrorCode::bad_signature);
  protocol::sign_appeal(appeal, w1_);
  Outbox out;
  ASSERT_TRUE(core_->on_appeal(w1_.public_key(), appeal, now_, out).ok());
  pump(out);
  Outbox twice;
  EXPECT_FALSE(core_->on_appeal(w1_.public_key(), appeal, now_, twice).ok()) << "once only";
  const auto& second = audits_.back();
  EXPECT_EQ(second.validator, validator2_.public_key()) << "a different validator hears it";
  EXPECT_EQ(second.task.purpose, protocol::AuditPurpose::appeal);
  bool full = false;
  for (const auto& item : second.task.audits) full = full || verify::is_audit(item, verify::AuditKind::full);
  EXPECT_TRUE(full);
  ASSERT_TRUE(judge(verdict(second.task, AuditOutcome::pass, validator2_), validator2_).ok());
  EXPECT_EQ(core_->pending_penalties(), 0u);
  EXPECT_EQ(slashes_of(worker_account(w1_.public_key())), 0u);
  EXPECT_EQ(slashes_of(validator_account(validator_.public_key())), 1u);
  const auto* worker = core_->nodes().find(w1_.public_key());
  EXPECT_FALSE(worker->blacklisted) << "the overturned verdict no longer counts";
  EXPECT_EQ(worker->audits_failed, 0u);
  EXPECT_EQ(core_->nodes().find(validator_.public_key())->audits_failed, 1u);
  now_ += 600'000;
  Outbox later;
  core_->tick(now_, later);
  pump(later);
  EXPECT_EQ(slashes_of(worker_account(w1_.public_key())), 0u);
  expect_conservation();
}

TEST_F(VerificationTest, ALostAppealSlashesTheWorker) {
  policy_.audit.appeals = true;
  open_core();
  register_node(w1_, protocol::Role::worker, worker_caps());
  register_node(validator_, protocol::Role::validator, worker_caps());
  register_node(validator2_, protocol::Role::validator, worker_caps());
  const auto a = audited_job("r1");
  const Identity& first = a.validator == validator_.public_key() ? validator_ : validator2_;
  const Identity& second = a.validator == validator_.public_key() ? validator2_ : validator_;
  ASSERT_TRUE(judge(verdict(a.task, AuditOutcome::fail, first), first).ok());
  protocol::Appeal appeal;
  appeal.audit_id = a.task.audit_id;
  protocol::sign_appeal(appeal, w1_);
  Outbox out;
  ASSERT_TRUE(core_->on_appeal(w1_.public_key(), appeal, now_, out).ok());
  pump(out);
  ASSERT_EQ(audits_.back().validator, second.public_key());
  ASSERT_TRUE(judge(verdict(audits_.back().task, AuditOutcome::fail, second), second).ok());
  EXPECT_EQ(slashes_of(worker_account(w1_.public_key())), 1u);
  EXPECT_EQ(slashes_of(validator_account(first.public_key())), 0u);
}

}  // namespace
}  // namespace seedgrid::testing
