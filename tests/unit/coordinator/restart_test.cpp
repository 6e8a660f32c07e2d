// Crash safety of what the coordinator holds between messages: a restart (a new core opened on
// the same journal) loses no payment of a cancelled job, no pending slash, no appeal, and neither
// audits nor slashes anything twice.
#include <filesystem>
#include <fstream>

#include "actors/coordinator/journal.hpp"
#include "actors/treasury/settle_group.hpp"
#include "tests/unit/coordinator/verification_fixture.hpp"

namespace seedgrid::coordinator::testing {
namespace {

using protocol::AuditOutcome;
using protocol::ErrorCode;
using protocol::EventKind;

// Whether the treasury applied the order before the crash or not, the restart pays the steps once.
class CancelRestart : public CoreFixture, public ::testing::WithParamInterface<bool> {};

TEST_P(CancelRestart, PaymentOfACancelledJobSurvivesARestartWhileItsOrderIsInFlight) {
  const bool applied_before_crash = GetParam();
  register_node(w1_, protocol::Role::worker, worker_caps(1));
  const std::int64_t before = credits(payer_account());
  const auto ack = submit(request("r1", 1));
  ASSERT_TRUE(ack.outcome.ok());
  auto jobs = take_jobs();
  ASSERT_EQ(jobs.size(), 1u);
  Outbox out;
  ASSERT_TRUE(
      core_->cancel(command(protocol::ClientCommandKind::cancel, "r1", client_), now_, wall_, out)
          .ok());
  pump(out);
  // The worker stops after 2 of 4 steps; the pay-for-steps order goes out, and the coordinator
  // dies before the treasury's answer.
  Outbox report;
  ASSERT_TRUE(core_
                  ->on_failure(w1_.public_key(),
                               {jobs[0].job.job_id, 1, ErrorCode::cancelled, "cancelled", 2}, now_,
                               report)
                  .ok());
  ASSERT_TRUE(core_->commit());
  const auto orders = orders_of(report);
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].kind, protocol::LedgerOrderKind::pay_cancelled);
  if (applied_before_crash) {
    ASSERT_TRUE(desk_->apply(orders, 1'700'000'000)[0].ok);
  }
  now_ += 5'000;
  open_core();
  const auto done = events_of(EventKind::completed);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].cancelled, 1u);
  const std::int64_t per_job = core_->request("r1")->per_job;
  EXPECT_EQ(done[0].total_charged, per_job / 2) << "the two completed steps are paid";
  EXPECT_EQ(credits(payer_account()), before - per_job / 2);
  EXPECT_EQ(done[0].total_charged + done[0].refunded, ack.quoted);
  expect_conservation();
  auto history = ledger_->history("", 1'000);
  ASSERT_TRUE(history);
  int paid = 0;
  for (const auto& e : *history) paid += e.op == "cancel";
  EXPECT_EQ(paid, 1);
}

INSTANTIATE_TEST_SUITE_P(OrderAppliedOrNot, CancelRestart, ::testing::Bool());

// The restart comes after the cancel reached the worker and before its report: the steps it
// reported progress for are paid, as the cancel grace would have paid them.
TEST_F(CoreFixture, CancelledJobWhoseReportDiedWithTheCoordinatorIsPaidItsReportedSteps) {
  register_node(w1_, protocol::Role::worker, worker_caps(1));
  const auto ack = submit(request("r1", 1));
  auto jobs = take_jobs();
  ASSERT_EQ(jobs.size(), 1u);
  Outbox out;
  core_->on_progress(w1_.public_key(), {jobs[0].job.job_id, 1, 3, 4}, out);
  ASSERT_TRUE(
      core_->cancel(command(protocol::ClientCommandKind::cancel, "r1", client_), now_, wall_, out)
          .ok());
  pump(out);
  open_core();
  const auto done = events_of(EventKind::completed);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].total_charged, core_->request("r1")->per_job * 3 / 4);
  EXPECT_EQ(done[0].total_charged + done[0].refunded, ack.quoted);
  expect_conservation();
}

class VerificationRestart : public VerificationTest {
 protected:
  void SetUp() override {
    VerificationTest::SetUp();
    policy_.audit.appeals = true;
    policy_.audit.appeal_window_ms = 10'000;
    open_core();
    register_node(w1_, protocol::Role::worker, worker_caps());
    register_node(validator_, protocol::Role::validator, worker_caps());
  }

  // The coordinator dies; a new one opens the journal, and the nodes register again.
  void restart(bool validators_too = true) {
    now_ += 1'000;
    open_core();
    register_node(w1_, protocol::Role::worker, worker_caps());
    register_node(w2_, protocol::Role::worker, worker_caps());
    if (!validators_too) return;
    register_node(validator_, protocol::Role::validator, worker_caps());
    register_node(validator2_, protocol::Role::validator, worker_caps());
  }

  protocol::Appeal appeal_of(const std::string& audit_id) const {
    protocol::Appeal a;
    a.audit_id = audit_id;
    a.reason = "honest";
    protocol::sign_appeal(a, w1_);
    return a;
  }
};

// The actor sends jobs to their workers as the commit that assigns them starts
// (effect_delivery.cpp), and an assignment is not journaled at all: a restart re-queues every job
// that was on a worker. It sends the job again under the same attempt; the result of the lost
// assignment counts as the new one's when the same worker renders it, and is refused from a worker
// the job no longer is on. Each job is paid once.
TEST_F(CoreFixture, ARestartThatLostAnAssignmentSendsTheJobAgainAndPaysItOnce) {
  register_node(w1_, protocol::Role::worker, worker_caps(1));
  ASSERT_TRUE(submit(request("r0", 1)).outcome.ok());
  const auto r0_first = take_jobs();
  ASSERT_EQ(r0_first.size(), 1u);  // w1 is busy from now on
  ASSERT_TRUE(submit(request("r1", 1)).outcome.ok());
  ASSERT_TRUE(take_jobs().empty()) << "r1 waits for a worker";
  // w2 registers and gets r1's job; the coordinator dies before that commit ends.
  const auto reg = protocol::make_registration(protocol::Role::worker, "w2", worker_caps(2),
                                               core_->hello(now_), w2_);
  ASSERT_TRUE(core_->verify_registration(reg, now_).ok());
  Outbox lost;
  const bool fast = desk_->stake(worker_account(w2_.public_key())).serves_fast;
  ASSERT_TRUE(core_->admit(reg, fast, "", now_, lost).outcome.ok());
  const auto sent = lost.list<SendJob>();
  ASSERT_EQ(sent.size(), 1u);
  ASSERT_EQ(sent[0].job.request_id, "r1");
  open_core();  // the open transaction rolls back: no registration, no assignment
  EXPECT_EQ(core_->request("r1")->jobs[0].phase, JobPhase::queued);

  register_node(w2_, protocol::Role::worker, worker_caps(2));
  std::optional<SendJob> r0_again, r1_again;
  for (auto& j : take_jobs()) (j.job.request_id == "r1" ? r1_again : r0_again) = j;
  ASSERT_TRUE(r0_again && r1_again);
  EXPECT_EQ(r1_again->job.attempt, sent[0].job.attempt) << "the lost attempt is the next one";
  EXPECT_EQ(r0_again->job.attempt, r0_first[0].job.attempt) << "nor was r0's assignment kept";
  EXPECT_EQ(r0_again->worker, w2_.public_key());
  register_node(w1_, protocol::Role::worker, worker_caps(1));
  ASSERT_TRUE(take_jobs().empty());
  const auto stale = deliver(r0_first[0], w1_);
  EXPECT_EQ(stale.code, protocol::ErrorCode::mismatch)
      << stale.reason << ": w1 no longer has r0's job";
  ASSERT_TRUE(deliver(sent[0], w2_).ok()) << "rendered before the crash, counted after it";
  ASSERT_TRUE(deliver(*r0_again, w2_).ok());
  ASSERT_EQ(events_of(EventKind::completed).size(), 2u);
  for (const auto& done : events_of(EventKind::completed)) EXPECT_EQ(done.delivered, 1u);
  auto history = ledger_->history("", 1'000);
  ASSERT_TRUE(history);
  int settles = 0;
  for (const auto& e : *history) settles += static_cast<int>(treasury::settled_jobs(e).size());
  EXPECT_EQ(settles, 2) << "each job paid once";
  expect_conservation();
}

TEST_F(VerificationRestart, AnAuditInFlightResumesWithItsCommitmentAndPlan) {
  const auto before = audited_job("r1");
  ASSERT_TRUE(before.task.has_commitment);
  audits_.clear();
  restart();
  ASSERT_EQ(audits_.size(), 1u) << "sent again once, to one validator";
  const auto& after = audits_[0].task;
  EXPECT_TRUE(after.has_commitment) << "not degraded to a full re-render";
  EXPECT_EQ(after.audits, before.task.audits) << "the plan chosen before the crash";
  EXPECT_EQ(after.commitment.trajectory_root, before.task.commitment.trajectory_root);
  EXPECT_EQ(after.commitment.final_latent, before.task.commitment.final_latent);
  EXPECT_EQ(after.commitment.signature, before.task.commitment.signature);
  ASSERT_TRUE(judge(verdict(after, AuditOutcome::pass, validator_), validator_).ok());
  const auto results = events_of(EventKind::result);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_NE(results[0].commitment, nullptr) << "the client's receipt keeps the commitment";
  // A second restart audits nothing again: the verdict was journaled.
  audits_.clear();
  restart();
  EXPECT_TRUE(audits_.empty());
}

// A restart drops every link: a resumed step audit waits for its worker to register again rather
// than fail it for openings it could not serve.
TEST_F(VerificationRestart, AResumedStepAuditWaitsForItsWorkerToComeBack) {
  const auto before = audited_job("r1");
  audits_.clear();
  now_ += 1'000;
  open_core();
  register_node(validator_, protocol::Role::validator, worker_caps());
  now_ += 500;
  Outbox tick;
  core_->tick(now_, tick);
  pump(tick);
  EXPECT_TRUE(audits_.empty()) << "not sent while the worker cannot open its trajectory";
  register_node(w1_, protocol::Role::worker, worker_caps());
  ASSERT_EQ(audits_.size(), 1u);
  EXPECT_EQ(audits_[0].task.audits, before.task.audits);
  // A worker that never comes back fails its openings: the audit goes at the deadline.
  const auto second = audited_job("r2");
  audits_.clear();
  now_ += 1'000;
  open_core();
  register_node(validator_, protocol::Role::validator, worker_caps());
  now_ += policy_.audit.timeout_ms + 1;
  Outbox late;
  core_->tick(now_, late);
  pump(late);
  EXPECT_EQ(audits_.size(), 2u) << "both resumed audits go once their wait is over";
}

TEST_F(VerificationRestart, APendingSlashSurvivesARestartAndIsAppliedOnce) {
  const auto a = audited_job("r1");
  register_node(w2_, protocol::Role::worker, worker_caps());
  ASSERT_TRUE(judge(verdict(a.task, AuditOutcome::fail, validator_), validator_).ok());
  ASSERT_EQ(core_->pending_penalties(), 1u);
  restart();
  EXPECT_EQ(core_->pending_penalties(), 1u) << "the slash waiting for the window is kept";
  EXPECT_EQ(slashes_of(worker_account(w1_.public_key())), 0u);
  now_ += 9'000;  // the window goes on after the restart (downtime does not count)
  Outbox early;
  core_->tick(now_, early);
  pump(early);
  EXPECT_EQ(core_->pending_penalties(), 1u);
  now_ += 2'000;
  Outbox out;
  core_->tick(now_, out);
  pump(out);
  EXPECT_EQ(core_->pending_penalties(), 0u);
  EXPECT_EQ(slashes_of(worker_account(w1_.public_key())), 1u);
  // Restarts after the slash neither keep the penalty nor slash again.
  restart();
  now_ += 60'000;
  Outbox later;
  core_->tick(now_, later);
  pump(later);
  EXPECT_EQ(core_->pending_penalties(), 0u);
  EXPECT_EQ(slashes_of(worker_account(w1_.public_key())), 1u);
  expect_conservation();
}

TEST_F(VerificationRestart, ASlashOrderInFlightAtTheCrashIsAppliedOnce) {
  policy_.audit.appeal_window_ms = 0;
  open_core();
  register_node(w1_, protocol::Role::worker, worker_caps());
  register_node(validator_, protocol::Role::validator, worker_caps());
  const auto a = audited_job("r1");
  register_node(w2_, protocol::Role::worker, worker_caps());
  ASSERT_TRUE(judge(verdict(a.task, AuditOutcome::fail, validator_), validator_).ok());
  now_ += 1;
  Outbox out;
  core_->tick(now_, out);
  ASSERT_TRUE(core_->commit());
  const auto orders = orders_of(out);
  ASSERT_EQ(orders.size(), 1u);
  ASSERT_EQ(orders[0].kind, protocol::LedgerOrderKind::slash);
  ASSERT_TRUE(desk_->apply(orders, 1'700'000'000)[0].ok);  // applied; the answer is lost
  restart();
  EXPECT_EQ(core_->pending_penalties(), 0u);
  EXPECT_EQ(slashes_of(worker_account(w1_.public_key())), 1u);
}

// The validator was auditing when the coordinator died; the restarted coordinator hands the audit
// to it again, and the verdict it then finishes for the old run is refused.
TEST_F(VerificationRestart, AVerdictOnAnAuditHandedOutBeforeTheRestartIsRefused) {
  const auto before = audited_job("r1");
  audits_.clear();
  restart();
  ASSERT_EQ(audits_.size(), 1u);
  const auto& resumed = audits_[0];
  ASSERT_EQ(resumed.validator, validator_.public_key());
  ASSERT_EQ(resumed.task.audit_id, before.task.audit_id);
  const auto stale = judge(verdict(before.task, AuditOutcome::fail, validator_), validator_);
  EXPECT_FALSE(stale.ok()) << "a verdict on the previous run's hand-out";
  EXPECT_EQ(stale.code, ErrorCode::mismatch);
  EXPECT_EQ(core_->pending_penalties(), 0u);
  EXPECT_TRUE(notices_.empty());
  ASSERT_TRUE(judge(verdict(resumed.task, AuditOutcome::pass, validator_), validator_).ok());
  EXPECT_EQ(events_of(EventKind::result).size(), 1u);
}

// The coordinator dies after a failed verdict and before its notice reached the worker: the
// restarted one tells the worker again when it registers, and the worker's appeal is heard.
TEST_F(VerificationRestart, AFailedVerdictNoticeLostInARestartIsToldAgainAndTheAppealIsHeard) {
  const auto a = audited_job("r1");
  register_node(w2_, protocol::Role::worker, worker_caps());
  ASSERT_TRUE(judge(verdict(a.task, AuditOutcome::fail, validator_), validator_).ok());
  ASSERT_EQ(notices_.size(), 1u);
  notices_.clear();  // lost with the coordinator
  restart();
  ASSERT_EQ(notices_.size(), 1u) << "told again when the worker registers";
  const auto notice = notices_[0];
  EXPECT_EQ(notice.worker, w1_.public_key());
  EXPECT_EQ(notice.verdict.audit_id, a.task.audit_id);
  EXPECT_EQ(notice.verdict.outcome, AuditOutcome::fail);
  EXPECT_EQ(notice.verdict.validator, validator_.public_key());
  EXPECT_TRUE(protocol::verdict_signature_valid(notice.verdict)) << "the validator's own verdict";
  audits_.clear();
  Outbox out;
  const auto appealed = core_->on_appeal(w1_.public_key(), appeal_of(notice.verdict.audit_id),
                                         now_, out);
  pump(out);
  ASSERT_TRUE(appealed.ok()) << appealed.reason;
  ASSERT_EQ(audits_.size(), 1u);
  EXPECT_EQ(audits_[0].validator, validator2_.public_key());
  EXPECT_EQ(audits_[0].task.purpose, protocol::AuditPurpose::appeal);
  // An appealed verdict is not told again.
  notices_.clear();
  register_node(w1_, protocol::Role::worker, worker_caps());
  EXPECT_TRUE(notices_.empty());
  ASSERT_TRUE(
      judge(verdict(audits_[0].task, AuditOutcome::pass, validator2_), validator2_).ok());
  EXPECT_EQ(core_->pending_penalties(), 0u);
  EXPECT_EQ(slashes_of(worker_account(w1_.public_key())), 0u);
  EXPECT_EQ(slashes_of(validator_account(validator_.public_key())), 1u);
  expect_conservation();
}

// The worker's link was down when its verdict came: it hears it when it registers again, while
// the window is open, and not after the window closed.
TEST_F(VerificationRestart, AWorkerAwayAtTheVerdictHearsItWhenItRegistersInsideTheWindow) {
  const auto a = audited_job("r1");
  register_node(w2_, protocol::Role::worker, worker_caps());
  Outbox down;
  core_->node_down(w1_.public_key(), now_, down);
  pump(down);
  ASSERT_TRUE(judge(verdict(a.task, AuditOutcome::fail, validator_), validator_).ok());
  notices_.clear();  // sent to nobody: the worker was away
  now_ += 5'000;
  register_node(w1_, protocol::Role::worker, worker_caps());
  ASSERT_EQ(notices_.size(), 1u);
  EXPECT_EQ(notices_[0].verdict.audit_id, a.task.audit_id);
  // Once the window closed the verdict stands: nothing is told any more.
  notices_.clear();
  now_ += 6'000;
  Outbox late;
  core_->tick(now_, late);
  pump(late);
  register_node(w1_, protocol::Role::worker, worker_caps());
  EXPECT_TRUE(notices_.empty());
  EXPECT_EQ(slashes_of(worker_account(w1_.public_key())), 1u);
}

TEST_F(VerificationRestart, AnAppealInProgressIsHeardAfterARestartAndNotTwice) {
  const auto a = audited_job("r1");
  register_node(w2_, protocol::Role::worker, worker_caps());
  register_node(validator2_, protocol::Role::validator, worker_caps());
  ASSERT_TRUE(judge(verdict(a.task, AuditOutcome::fail, validator_), validator_).ok());
  Outbox out;
  ASSERT_TRUE(core_->on_appeal(w1_.public_key(), appeal_of(a.task.audit_id), now_, out).ok());
  pump(out);
  ASSERT_EQ(audits_.back().task.purpose, protocol::AuditPurpose::appeal);
  audits_.clear();
  restart(/*validators_too=*/false);
  EXPECT_EQ(core_->pending_penalties(), 1u);
  Outbox twice;
  EXPECT_FALSE(core_->on_appeal(w1_.public_key(), appeal_of(a.task.audit_id), now_, twice).ok())
      << "the one appeal was used before the crash";
  // The first registering validator that did not accuse hears it again.
  register_node(validator_, protocol::Role::validator, worker_caps());
  EXPECT_TRUE(audits_.empty()) << "the accuser does not referee its own verdict";
  register_node(validator2_, protocol::Role::validator, worker_caps());
  ASSERT_EQ(audits_.size(), 1u);
  const auto& heard = audits_[0];
  EXPECT_EQ(heard.validator, validator2_.public_key());
  EXPECT_EQ(heard.task.purpose, protocol::AuditPurpose::appeal);
  EXPECT_TRUE(heard.task.has_commitment);
  ASSERT_TRUE(judge(verdict(heard.task, AuditOutcome::pass, validator2_), validator2_).ok());
  EXPECT_EQ(core_->pending_penalties(), 0u);
  EXPECT_EQ(slashes_of(worker_account(w1_.public_key())), 0u);
  EXPECT_EQ(slashes_of(validator_account(validator_.public_key())), 1u);
  restart();
  now_ += 600'000;
  Outbox later;
  core_->tick(now_, later);
  pump(later);
  EXPECT_EQ(slashes_of(worker_account(w1_.public_key())), 0u);
  EXPECT_EQ(slashes_of(validator_account(validator_.public_key())), 1u);
  expect_conservation();
}

// A coordinator from before the journal held result images kept each as a file under
// <data dir>/results. Upgraded, it moves them into its journal when it opens, and a client that
// attaches later still gets its image.
TEST_F(CoreFixture, ImagesAnOlderCoordinatorKeptAsFilesAreServedAfterTheUpgrade) {
  register_node(w1_, protocol::Role::worker, worker_caps(1));
  ASSERT_TRUE(submit(request("r1", 1)).outcome.ok());
  auto jobs = take_jobs();
  ASSERT_EQ(jobs.size(), 1u);
  ASSERT_TRUE(deliver(jobs[0], w1_).ok());
  const auto results = events_of(EventKind::result);
  ASSERT_EQ(results.size(), 1u);
  const Digest hash = results[0].output_hash;
  core_.reset();
  // The layout the older coordinator left: the image as a file, not in the journal.
  const auto data_dir = dir_ / "coordinator";
  {
    auto journal = Journal::open(
        policy_.journal.empty() ? (data_dir / "journal.sqlite").string() : policy_.journal,
        (data_dir / "journal.prompt-key").string());
    ASSERT_TRUE(journal) << journal.error().message;
    ASSERT_TRUE(journal->delete_result_image(hash));
    ASSERT_TRUE(journal->commit());
  }
  const std::string hex = to_hex(hash);
  const auto file = data_dir / "results" / hex.substr(0, 2) / (hex + ".rgb");
  std::filesystem::create_directories(file.parent_path());
  {
    std::ofstream f(file, std::ios::binary);
    f.write(reinterpret_cast<const char*>(results[0].pixels.data()),
            static_cast<std::streamsize>(results[0].pixels.size()));
  }
  open_core();
  EXPECT_FALSE(std::filesystem::exists(data_dir / "results")) << "moved into the journal";
  events_.clear();
  Outbox out;
  ASSERT_TRUE(
      core_->attach(command(protocol::ClientCommandKind::attach, "r1", client_), {}, wall_, out)
          .outcome.ok());
  collect(out);
  const auto again = events_of(EventKind::result);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].pixels, results[0].pixels);
}

}  // namespace
}  // namespace seedgrid::coordinator::testing
