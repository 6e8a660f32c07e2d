// One worker pool shared by several coordinators (ARCHITECTURE.md, "Beyond one machine"), seen
// from one core: a job a worker refuses as busy, a worker offering a slot, a ban another
// coordinator made, and a worker homed at another coordinator.
#include <gtest/gtest.h>

#include "actors/coordinator/node_registry.hpp"
#include "tests/unit/coordinator/core_fixture.hpp"

namespace seedgrid::coordinator::testing {
namespace {

using protocol::ErrorCode;
using protocol::EventKind;

TEST_F(CoreFixture, AJobRefusedAsBusyWaitsForTheWorkersRoomAndNobodyIsBlamed) {
  register_node(w1_, protocol::Role::worker, worker_caps(1));
  ASSERT_TRUE(submit(request("r1", 1)).outcome.ok());
  auto sent = take_jobs();
  ASSERT_EQ(sent.size(), 1u);
  ASSERT_TRUE(report(sent[0], w1_, ErrorCode::worker_busy, "every slot holds another's job").ok());
  EXPECT_EQ(failed(w1_), 0u);
  EXPECT_TRUE(events_of(EventKind::retry).empty()) << "not a failed attempt";
  EXPECT_TRUE(take_jobs().empty()) << "the worker said it is full: nothing goes to it";
  EXPECT_EQ(core_->status(now_).jobs_queued, 1u);

  Outbox out;
  core_->on_room(w1_.public_key(), now_, out);
  pump(out);
  auto again = take_jobs();
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].worker, w1_.public_key());
  EXPECT_EQ(again[0].job.attempt, sent[0].job.attempt + 1);
  ASSERT_TRUE(deliver(again[0], w1_).ok());
  EXPECT_EQ(events_of(EventKind::result).size(), 1u);
  // A refusal never counts towards the job's attempts.
  const auto* r = core_->request("r1");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->jobs[0].failures, 0u);
  expect_conservation();
}

TEST_F(CoreFixture, AWorkerThatRefusedAsBusyDoesNotUseUpTheRequestsSpread) {
  policy_.routing.max_workers_per_request = 1;
  open_core();
  register_node(w1_, protocol::Role::worker, worker_caps(1, 1'000'000));  // the first pick
  ASSERT_TRUE(submit(request("r1", 1)).outcome.ok());
  auto sent = take_jobs();
  ASSERT_EQ(sent.size(), 1u);
  ASSERT_EQ(sent[0].worker, w1_.public_key());
  ASSERT_TRUE(report(sent[0], w1_, ErrorCode::worker_busy, "full").ok());
  // The request may spread over one worker: the one that refused never worked on it, so another
  // takes the job.
  register_node(w2_, protocol::Role::worker, worker_caps(1));
  auto moved = take_jobs();
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_EQ(moved[0].worker, w2_.public_key());
}

TEST_F(CoreFixture, ABanFromAnotherCoordinatorTakesTheWorkersJobsAway) {
  register_node(w1_, protocol::Role::worker, worker_caps(1, 1'000'000));  // the faster: first pick
  register_node(w2_, protocol::Role::worker, worker_caps(1));
  ASSERT_TRUE(submit(request("r1", 1)).outcome.ok());
  auto sent = take_jobs();
  ASSERT_EQ(sent.size(), 1u);
  ASSERT_EQ(sent[0].worker, w1_.public_key());

  Outbox out;
  core_->ban(w1_.public_key(), now_, out);
  pump(out);
  EXPECT_TRUE(core_->nodes().find(w1_.public_key())->blacklisted);
  ASSERT_EQ(cancels_.size(), 1u);
  EXPECT_EQ(cancels_[0].worker, w1_.public_key());
  auto moved = take_jobs();
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_EQ(moved[0].worker, w2_.public_key());
  EXPECT_EQ(failed(w2_), 0u);

  // A worker banned before it ever registered here stays banned when it does.
  Outbox early;
  core_->ban(w3_.public_key(), now_, early);
  pump(early);
  register_node(w3_, protocol::Role::worker, worker_caps(4, 10'000'000));
  ASSERT_TRUE(deliver(moved[0], w2_).ok());
  ASSERT_TRUE(submit(request("r2", 1)).outcome.ok());
  auto next = take_jobs();
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].worker, w2_.public_key());
}

// Workers drawn until one is homed here and one at the peer (the rule both sides use).
struct Homes {
  Identity here = Identity::from_seed({60});
  Identity there = Identity::from_seed({61});
};

Homes homes_between(const PublicKey& self, const PublicKey& peer) {
  Homes h;
  bool found_here = false, found_there = false;
  for (std::uint8_t i = 40; i < 120 && !(found_here && found_there); ++i) {
    Identity id = Identity::from_seed({i});
    const bool home_here = home_coordinator(id.public_key(), {self, peer}) == 0;
    if (home_here && !found_here) {
      h.here = id;
      found_here = true;
    } else if (!home_here && !found_there) {
      h.there = id;
      found_there = true;
    }
  }
  EXPECT_TRUE(found_here && found_there);
  return h;
}

TEST_F(CoreFixture, AWorkerHomedAtAnotherCoordinatorGetsJobsOnlyOnceItOffersASlot) {
  const Identity peer = Identity::from_seed({50});
  pool_peers_ = {peer.public_key()};
  open_core();
  const Homes h = homes_between(coordinator_id_.public_key(), peer.public_key());
  register_node(h.here, protocol::Role::worker, worker_caps(1));
  register_node(h.there, protocol::Role::worker, worker_caps(1, 10'000'000));  // faster
  ASSERT_TRUE(submit(request("r1", 2)).outcome.ok());
  auto first = take_jobs();
  ASSERT_EQ(first.size(), 1u) << "the faster worker is another coordinator's until it offers";
  EXPECT_EQ(first[0].worker, h.here.public_key());
  const NodeEntry* there = core_->nodes().find(h.there.public_key());
  EXPECT_DOUBLE_EQ(there->affinity, policy_.routing.foreign_worker_weight);
  EXPECT_DOUBLE_EQ(core_->nodes().find(h.here.public_key())->affinity, 1.0);

  Outbox out;
  core_->on_room(h.there.public_key(), now_, out);
  pump(out);
  auto second = take_jobs();
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].worker, h.there.public_key());
}

TEST(WorkerBusyCode, HasItsStableNameAndNumber) {
  EXPECT_EQ(static_cast<int>(protocol::ErrorCode::worker_busy), 308);
  EXPECT_EQ(protocol::error_code_name(protocol::ErrorCode::worker_busy), "worker_busy");
}

}  // namespace
}  // namespace seedgrid::coordinator::testing
