// A failure the request caused (any worker fails it the same way) costs no worker reputation; a
// worker's own failure does, whatever it calls it.
#include "tests/unit/coordinator/core_fixture.hpp"

namespace seedgrid::coordinator::testing {
namespace {

using protocol::ErrorCode;
using protocol::EventKind;

class RequestCausedFailure : public CoreFixture {
 protected:
  double score(const Identity& worker) const {
    return core_->nodes().find(worker.public_key())->reputation.score();
  }
};

TEST_F(RequestCausedFailure, AJobOutsideItsModelsLimitsFailsOnceAndBlamesNoWorker) {
  // Accepted while the catalog said the model renders multiples of 16; the coordinator restarts
  // knowing the model needs 64 (as a request journaled before the limits were checked at submit).
  register_node(w1_, protocol::Role::worker, worker_caps(1));
  const std::int64_t before = credits(payer_account());
  auto r = request("r1", 1);
  r.width = 48;
  protocol::sign_request(r, client_);
  ASSERT_TRUE(submit(r).outcome.ok());
  take_jobs();
  model_limits_ = RenderLimits{8, 64};
  now_ += 1'000;
  open_core();
  register_node(w1_, protocol::Role::worker, worker_caps(1));
  register_node(w2_, protocol::Role::worker, worker_caps(1));
  auto jobs = take_jobs();
  ASSERT_EQ(jobs.size(), 1u);
  const bool on_w1 = jobs[0].worker == w1_.public_key();
  const Identity& worker = on_w1 ? w1_ : w2_;
  const Identity& other = on_w1 ? w2_ : w1_;
  const double worker_score = score(worker), other_score = score(other);
  EXPECT_TRUE(
      report(jobs[0], worker, ErrorCode::job_invalid, "width 48 is outside [64, 4096]").ok());
  EXPECT_EQ(score(worker), worker_score);
  EXPECT_EQ(failed(worker), 0u);
  EXPECT_EQ(score(other), other_score);
  // No other worker is handed a job that every worker fails: it ends at once, refunded.
  EXPECT_TRUE(take_jobs().empty());
  EXPECT_TRUE(events_of(EventKind::retry).empty());
  const auto failures = events_of(EventKind::failed);
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0].code, ErrorCode::job_invalid);
  EXPECT_NE(failures[0].reason.find("width 48"), std::string::npos) << failures[0].reason;
  EXPECT_EQ(credits(payer_account()), before);
  expect_conservation();
}

TEST_F(RequestCausedFailure, AWorkerCallingARenderableJobInvalidIsBlamed) {
  register_node(w1_, protocol::Role::worker, worker_caps(1));
  ASSERT_TRUE(submit(request("r1", 1)).outcome.ok());
  auto jobs = take_jobs();
  ASSERT_EQ(jobs.size(), 1u);
  const double before = score(w1_);
  EXPECT_TRUE(report(jobs[0], w1_, ErrorCode::job_invalid, "made up").ok());
  EXPECT_LT(score(w1_), before);
  EXPECT_EQ(failed(w1_), 1u);
  const auto retries = events_of(EventKind::retry);
  ASSERT_EQ(retries.size(), 1u);
  EXPECT_EQ(retries[0].code, ErrorCode::worker_error);
  EXPECT_NE(retries[0].reason.find("within its model's limits"), std::string::npos)
      << retries[0].reason;
}

TEST_F(RequestCausedFailure, AWorkersOwnErrorLowersItsReputation) {
  register_node(w1_, protocol::Role::worker, worker_caps(1));
  ASSERT_TRUE(submit(request("r1", 1)).outcome.ok());
  auto jobs = take_jobs();
  ASSERT_EQ(jobs.size(), 1u);
  const double before = score(w1_);
  EXPECT_TRUE(report(jobs[0], w1_, ErrorCode::worker_error, "out of device memory").ok());
  EXPECT_LT(score(w1_), before);
  EXPECT_EQ(failed(w1_), 1u);
}

}  // namespace
}  // namespace seedgrid::coordinator::testing
