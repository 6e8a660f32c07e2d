// A client catches up with a known request one way, whether it submits it again or attaches:
// every result already delivered, the completed event once the request is over, then the rest as
// it happens.
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
  const auto completed = events_of(EventKind::completed);
  ASSERT_EQ(completed.size(), 1u);
  EXPECT_EQ(completed[0].delivered, 3u);
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
