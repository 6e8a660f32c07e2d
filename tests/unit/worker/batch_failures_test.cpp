#include "actors/worker/batch_failures.hpp"

#include <gtest/gtest.h>

namespace seedgrid::worker {
namespace {

protocol::Job job(const std::string& id, std::uint32_t attempt = 1) {
  protocol::Job j;
  j.job_id = id;
  j.attempt = attempt;
  return j;
}

protocol::JobFailure failure(const std::string& id, protocol::ErrorCode code,
                             std::uint32_t attempt = 1) {
  return {id, attempt, code, "stopped", 2};
}

TEST(BatchFailures, AJobStoppedOnlyBecauseItsNeighbourWasCancelledIsRenderedAgain) {
  const std::vector<protocol::Job> batch{job("r/0"), job("r/1"), job("r/2")};
  auto sorted = sort_batch_failures(batch, {"r/1"},
                                    {failure("r/0", protocol::ErrorCode::cancelled),
                                     failure("r/1", protocol::ErrorCode::cancelled),
                                     failure("r/2", protocol::ErrorCode::cancelled)});
  ASSERT_EQ(sorted.to_report.size(), 1u);
  EXPECT_EQ(sorted.to_report[0].job_id, "r/1");
  ASSERT_EQ(sorted.to_render_again.size(), 2u);
  EXPECT_EQ(sorted.to_render_again[0].job_id, "r/0");
  EXPECT_EQ(sorted.to_render_again[1].job_id, "r/2");
}

TEST(BatchFailures, ARealFailureIsReportedEvenWhenNothingWasCancelled) {
  const std::vector<protocol::Job> batch{job("r/0"), job("r/1")};
  auto sorted = sort_batch_failures(batch, {}, {failure("r/0", protocol::ErrorCode::worker_error)});
  ASSERT_EQ(sorted.to_report.size(), 1u);
  EXPECT_EQ(sorted.to_report[0].code, protocol::ErrorCode::worker_error);
  EXPECT_TRUE(sorted.to_render_again.empty());
}

TEST(BatchFailures, OnlyTheAttemptThatWasStoppedIsRenderedAgain) {
  const std::vector<protocol::Job> batch{job("r/0", 2)};
  auto sorted = sort_batch_failures(batch, {}, {failure("r/0", protocol::ErrorCode::cancelled, 1)});
  EXPECT_TRUE(sorted.to_report.empty());
  EXPECT_TRUE(sorted.to_render_again.empty()) << "attempt 1 is not the batch's attempt 2";
}

}  // namespace
}  // namespace seedgrid::worker
