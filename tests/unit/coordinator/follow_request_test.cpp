// A client catches up with a known request one way, whether it submits it again or attaches:
// every image already out, every payment settled, the completed event once the request is over,
// then the rest as it happens.
#include "tests/unit/coordinator/core_fixture.hpp"

namespace seedgrid::coordinator::testing {
namespace {

using protocol::EventKind;

TEST_F(CoreFixture, ResubmittingAFinishedRequestReDeliversItsResultsAndCompletion) {
  register_node(w1_, protocol::Role::worker, worker_caps());
  const auto r = request("r1", 3);
  ASSERT_TRUE(submit(r).outcome.ok());
  for (const auto& j : take_jobs()) ASSERT_TRUE(deliver(j, w1_).ok());
  ASSERT_EQ(events_of(EventKind::completed).size(), 1u);
  events_.clear();

  const auto again = submit(r);
  ASSERT_TRUE(again.outcome.ok()) << again.outcome.reason;
  EXPECT_TRUE(again.resumed);
  const auto results = events_of(EventKind::result);
  ASSERT_EQ(results.size(), 3u) << "every finished image is sent again";
  for (std::uint32_t i = 0; i < 3; ++i) {
    EXPECT_EQ(results[i].index, i);
    EXPECT_FALSE(results[i].pixels.empty());
  }
  EXPECT_EQ(events_of(EventKind::paid).size(), 3u) << "and what each one was charged";
  const auto completed = events_of(EventKind::completed);
  ASSERT_EQ(completed.size(), 1u);
  EXPECT_EQ(completed[0].delivered, 3u);
}

// An image goes out with the commit of its result, before the treasury settles it: a client that
// attaches meanwhile gets the image, and the payment when it comes.
TEST_F(CoreFixture, AnAttachWhileAnImageWaitsForItsSettlementGetsTheImageThenItsPayment) {
  register_node(w1_, protocol::Role::worker, worker_caps());
  ASSERT_TRUE(submit(request("r1", 2)).outcome.ok());
  auto jobs = take_jobs();
  ASSERT_EQ(jobs.size(), 2u);
  Outbox out;
  ASSERT_TRUE(core_->on_result(w1_.public_key(), result_of(jobs[0].job, w1_), now_, out).ok());
  ASSERT_TRUE(core_->commit());
  const auto settle = orders_of(out);
  ASSERT_EQ(settle.size(), 1u);
  collect(out);  // the treasury has not answered yet
  ASSERT_EQ(events_of(EventKind::result).size(), 1u) << "the image waited for its settlement";
  EXPECT_TRUE(events_of(EventKind::paid).empty());
  events_.clear();

  Outbox attached;
  ASSERT_TRUE(
      core_
          ->attach(command(protocol::ClientCommandKind::attach, "r1", client_), {}, wall_, attached)
          .outcome.ok());
  collect(attached);
  ASSERT_EQ(events_of(EventKind::result).size(), 1u);
  EXPECT_EQ(events_of(EventKind::result)[0].index, jobs[0].job.index);
  EXPECT_FALSE(events_of(EventKind::result)[0].pixels.empty());
  EXPECT_TRUE(events_of(EventKind::paid).empty()) << "paid before the treasury answered";

  Outbox paid;
  const auto receipts = desk_->apply(settle, 1'700'000'000);
  core_->on_receipt(settle[0], receipts[0], now_, paid);
  pump(paid);
  ASSERT_EQ(events_of(EventKind::paid).size(), 1u);
  EXPECT_EQ(events_of(EventKind::paid)[0].index, jobs[0].job.index);
  EXPECT_GT(events_of(EventKind::paid)[0].receipt.charged, 0);
  EXPECT_EQ(events_of(EventKind::result).size(), 1u) << "the payment re-sent the image";
  events_.clear();

  // A client that has the image hears only its payment.
  Outbox again;
  ASSERT_TRUE(core_
                  ->attach(command(protocol::ClientCommandKind::attach, "r1", client_),
                           {jobs[0].job.index}, wall_, again)
                  .outcome.ok());
  collect(again);
  EXPECT_TRUE(events_of(EventKind::result).empty());
  EXPECT_EQ(events_of(EventKind::paid).size(), 1u);

  ASSERT_TRUE(deliver(jobs[1], w1_).ok());
  ASSERT_EQ(events_of(EventKind::completed).size(), 1u);
  EXPECT_EQ(events_of(EventKind::completed)[0].delivered, 2u);
  expect_conservation();
}

TEST_F(CoreFixture, ResubmittingARequestUnderWayReDeliversWhatIsDoneAndFollowsTheRest) {
  register_node(w1_, protocol::Role::worker, worker_caps());
  const auto r = request("r1", 3);
  ASSERT_TRUE(submit(r).outcome.ok());
  auto jobs = take_jobs();
  ASSERT_EQ(jobs.size(), 3u);
  ASSERT_TRUE(deliver(jobs[1], w1_).ok());
  events_.clear();

  ASSERT_TRUE(submit(r).outcome.ok());
  ASSERT_EQ(events_of(EventKind::result).size(), 1u);
  EXPECT_EQ(events_of(EventKind::result)[0].index, 1u);
  EXPECT_TRUE(events_of(EventKind::completed).empty()) << "not over yet";

  ASSERT_TRUE(deliver(jobs[0], w1_).ok());
  ASSERT_TRUE(deliver(jobs[2], w1_).ok());
  EXPECT_EQ(events_of(EventKind::result).size(), 3u);
  ASSERT_EQ(events_of(EventKind::completed).size(), 1u);
}

// A copy of a signed request is all a resubmission needs, so a private request's images go only
// to an attach (a fresh command of its payer); its acknowledgement carries the signed request, for
// a client that knows nothing but the id.
TEST_F(CoreFixture, PrivateImagesGoOnlyToAnAttachWhoseAckCarriesTheRequest) {
  register_node(w1_, protocol::Role::worker, worker_caps());
  auto r = request("r1", 2);
  r.privacy = protocol::Privacy::private_images;
  protocol::sign_request(r, client_);
  ASSERT_TRUE(submit(r).outcome.ok());
  auto jobs = take_jobs();
  ASSERT_TRUE(deliver(jobs[0], w1_).ok());
  events_.clear();

  ASSERT_TRUE(submit(r).outcome.ok());
  EXPECT_TRUE(events_of(EventKind::result).empty());

  Outbox out;
  const auto ack =
      core_->attach(command(protocol::ClientCommandKind::attach, "r1", client_), {}, wall_, out);
  collect(out);
  ASSERT_TRUE(ack.outcome.ok()) << ack.outcome.reason;
  EXPECT_TRUE(ack.resumed);
  EXPECT_EQ(ack.jobs, 2u);
  EXPECT_EQ(ack.request.request_id, "r1");
  EXPECT_EQ(ack.request.seed, r.seed);
  EXPECT_TRUE(protocol::request_signature_valid(ack.request));
  ASSERT_EQ(events_of(EventKind::result).size(), 1u);
  EXPECT_EQ(events_of(EventKind::result)[0].index, 0u);
}

}  // namespace
}  // namespace seedgrid::coordinator::testing
