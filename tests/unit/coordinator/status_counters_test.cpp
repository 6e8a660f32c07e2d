// The status counters (jobs delivered, failed) are counted from the journal, so a coordinator
// restart does not reset them (it once did: `seedgrid status` showed 0 delivered after one).
#include "tests/unit/coordinator/core_fixture.hpp"

namespace seedgrid::coordinator::testing {
namespace {

TEST_F(CoreFixture, StatusCountersSurviveARestart) {
  policy_.retries.max_attempts = 1;
  open_core();
  register_node(w1_, protocol::Role::worker, worker_caps());
  ASSERT_TRUE(submit(request("r1", 3)).outcome.ok());
  auto jobs = take_jobs();
  ASSERT_EQ(jobs.size(), 3u);
  ASSERT_TRUE(deliver(jobs[0], w1_).ok());
  ASSERT_TRUE(deliver(jobs[1], w1_).ok());
  now_ += 3'600'000;  // the third job times out and, with one attempt, is refunded
  Outbox out;
  core_->tick(now_, out);
  pump(out);
  const auto before = core_->status(now_);
  ASSERT_EQ(before.jobs_delivered, 2u);
  ASSERT_EQ(before.jobs_failed, 1u);

  policy_.retries.max_attempts = 3;
  open_core();  // the same journal, a new run
  const auto after = core_->status(now_);
  EXPECT_EQ(after.jobs_delivered, 2u);
  EXPECT_EQ(after.jobs_failed, 1u);
  // And they go on counting from there.
  register_node(w1_, protocol::Role::worker, worker_caps());
  ASSERT_TRUE(submit(request("r2", 1)).outcome.ok());
  for (const auto& j : take_jobs()) ASSERT_TRUE(deliver(j, w1_).ok());
  EXPECT_EQ(core_->status(now_).jobs_delivered, 3u);
}

}  // namespace
}  // namespace seedgrid::coordinator::testing
