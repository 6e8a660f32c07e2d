// The core's cancels: who may cancel, what a cancelled job's steps are paid, and how long its
// worker's slot stays taken when the worker is slow or silent about it.
#include <gtest/gtest.h>

#include "actors/coordinator/deadline.hpp"
#include "core_fixture.hpp"

namespace seedgrid::coordinator::testing {
namespace {

using protocol::ErrorCode;
using protocol::EventKind;

TEST_F(CoreFixture, CancelPaysCompletedStepsAndRefundsTheRest) {
  register_node(w1_, protocol::Role::worker, worker_caps(2));
  const std::int64_t before = credits(payer_account());
  const auto ack = submit(request("r1", 4));
  ASSERT_TRUE(ack.outcome.ok());
  auto jobs = take_jobs();
  ASSERT_EQ(jobs.size(), 2u);  // two in flight, two queued
  ASSERT_TRUE(deliver(jobs[0], w1_).ok());
  auto more = take_jobs();  // the freed slot took a queued job
  ASSERT_EQ(more.size(), 1u);

  Outbox out;
  ASSERT_TRUE(
      core_->cancel(command(protocol::ClientCommandKind::cancel, "r1", client_), now_, wall_, out)
          .ok());
  pump(out);
  ASSERT_EQ(cancels_.size(), 2u);
  // The workers report where they stopped: 2 of 4 steps, and 0 steps.
  Outbox reports;
  ASSERT_TRUE(core_
                  ->on_failure(w1_.public_key(),
                               {jobs[1].job.job_id, 1, ErrorCode::cancelled, "cancelled", 2}, now_,
                               reports)
                  .ok());
  ASSERT_TRUE(core_
                  ->on_failure(w1_.public_key(),
                               {more[0].job.job_id, 1, ErrorCode::cancelled, "cancelled", 0}, now_,
                               reports)
                  .ok());
  pump(reports);
  EXPECT_TRUE(take_jobs().empty());
  const auto done = events_of(EventKind::completed);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].delivered, 1u);
  EXPECT_EQ(done[0].cancelled, 3u);
  const std::int64_t per_job = core_->request("r1")->per_job;
  // One full job and half a job paid (rounding down), the rest back to the payer.
  EXPECT_EQ(done[0].total_charged, per_job + per_job / 2);
  EXPECT_EQ(credits(payer_account()), before - done[0].total_charged);
  EXPECT_EQ(done[0].total_charged + done[0].refunded, ack.quoted);
  expect_conservation();
}

TEST_F(CoreFixture, CancelledJobWhoseWorkerNeverReportsIsSettledAfterTheGrace) {
  register_node(w1_, protocol::Role::worker, worker_caps(1));
  const auto ack = submit(request("r1", 1));
  cancel_past_the_grace(w1_, "r1", 3);
  const auto done = events_of(EventKind::completed);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].cancelled, 1u);
  // Paid for the 3 steps it reported, the rest refunded.
  EXPECT_EQ(done[0].total_charged, core_->request("r1")->per_job * 3 / 4);
  EXPECT_EQ(done[0].total_charged + done[0].refunded, ack.quoted);
  expect_conservation();
}

// Settled after the grace while its worker is still inside the step it was cancelled in: the
// worker's one slot stays taken until it reports the job, so the next request's job waits for it
// instead of queueing behind that step and timing out against the worker.
TEST_F(CoreFixture, ASlowCancelKeepsItsWorkersSlotUntilTheWorkerReports) {
  register_node(w1_, protocol::Role::worker, worker_caps(1));
  ASSERT_TRUE(submit(request("r1", 1)).outcome.ok());
  const protocol::Job cancelled = cancel_past_the_grace(w1_, "r1", 1);
  ASSERT_EQ(events_of(EventKind::completed).size(), 1u) << "the client is answered at the grace";

  ASSERT_TRUE(submit(request("r2", 1)).outcome.ok());
  EXPECT_TRUE(take_jobs().empty()) << "w1 is still in the cancelled step";
  now_ += 1000;
  Outbox tick;
  core_->tick(now_, tick);
  pump(tick);
  EXPECT_TRUE(take_jobs().empty());

  // The worker's late report is refused (the job was settled) but frees the slot.
  Outbox report;
  const auto reply = core_->on_failure(
      w1_.public_key(),
      {cancelled.job_id, cancelled.attempt, ErrorCode::cancelled, "cancelled at step 1", 1}, now_,
      report);
  EXPECT_EQ(reply.code, ErrorCode::mismatch);
  pump(report);
  const auto jobs = take_jobs();
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].job.job_id, protocol::job_id_of("r2", 0));
  expect_conservation();
}

// A worker that never reports the cancelled job (a bug, a wedged render) keeps the slot only for
// as long again as the whole job was given; then the next job may use it.
TEST_F(CoreFixture, ACancelledJobNeverReportedFreesItsSlotAfterTheJobsWholeBudget) {
  register_node(w1_, protocol::Role::worker, worker_caps(1));
  ASSERT_TRUE(submit(request("r1", 1)).outcome.ok());
  const protocol::Job cancelled = cancel_past_the_grace(w1_, "r1", 1);
  const std::int64_t settled_at = now_;
  const std::int64_t budget = job_deadline_ms(policy_.deadlines, protocol::job_work(cancelled.spec),
                                              0, 1, worker_caps(1).pixel_steps_per_second);
  ASSERT_GT(budget, 1000);
  ASSERT_TRUE(submit(request("r2", 1)).outcome.ok());

  now_ = settled_at + budget - 1;
  Outbox before;
  core_->tick(now_, before);
  pump(before);
  EXPECT_TRUE(take_jobs().empty()) << "within the budget the step may just be slow";

  now_ = settled_at + budget;
  Outbox after;
  core_->tick(now_, after);
  pump(after);
  const auto jobs = take_jobs();
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].job.job_id, protocol::job_id_of("r2", 0));
  EXPECT_EQ(jobs[0].worker, w1_.public_key());

  // Its report, if it ever comes, changes nothing: r2's job keeps the slot.
  Outbox report;
  EXPECT_EQ(core_
                ->on_failure(w1_.public_key(),
                             {cancelled.job_id, cancelled.attempt, ErrorCode::cancelled, "late", 1},
                             now_, report)
                .code,
            ErrorCode::mismatch);
  pump(report);
  EXPECT_TRUE(take_jobs().empty());
  EXPECT_EQ(core_->nodes().find(w1_.public_key())->inflight.size(), 1u);
  expect_conservation();
}

TEST_F(CoreFixture, CancelIsOnlyAcceptedFromThePayer) {
  register_node(w1_, protocol::Role::worker, worker_caps());
  ASSERT_TRUE(submit(request("r1", 1)).outcome.ok());
  Outbox out;
  const Identity stranger = Identity::from_seed({77});
  EXPECT_EQ(
      core_->cancel(command(protocol::ClientCommandKind::cancel, "r1", stranger), now_, wall_, out)
          .code,
      ErrorCode::bad_signature);
  auto forged = command(protocol::ClientCommandKind::cancel, "r1", stranger);
  forged.payer = client_.public_key();
  EXPECT_EQ(core_->cancel(forged, now_, wall_, out).code, ErrorCode::bad_signature);
  EXPECT_EQ(
      core_->cancel(command(protocol::ClientCommandKind::cancel, "nope", client_), now_, wall_, out)
          .code,
      ErrorCode::unknown_request);
}

}  // namespace
}  // namespace seedgrid::coordinator::testing
