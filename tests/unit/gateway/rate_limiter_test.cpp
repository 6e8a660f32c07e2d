#include "runtime/gateway/rate_limiter.hpp"

#include <gtest/gtest.h>

namespace seedgrid::gateway {
namespace {

using namespace std::chrono_literals;

TEST(RateLimiter, AllowsTheBurstThenRefusesWithTheWaitInSeconds) {
  RateLimiter limiter(2.0, 3.0);
  const auto t0 = RateLimiter::Clock::time_point{} + 100s;
  EXPECT_EQ(limiter.take("alice", t0), 0u);
  EXPECT_EQ(limiter.take("alice", t0), 0u);
  EXPECT_EQ(limiter.take("alice", t0), 0u);
  EXPECT_EQ(limiter.take("alice", t0), 1u);  // empty: half a second to the next token, rounded up
  EXPECT_EQ(limiter.take("alice", t0 + 500ms), 0u);
  EXPECT_GE(limiter.take("alice", t0 + 500ms), 1u);
}

TEST(RateLimiter, KeysHaveTheirOwnBuckets) {
  RateLimiter limiter(1.0, 1.0);
  const auto t0 = RateLimiter::Clock::time_point{} + 10s;
  EXPECT_EQ(limiter.take("alice", t0), 0u);
  EXPECT_EQ(limiter.take("alice", t0), 1u);
  EXPECT_EQ(limiter.take("bob", t0), 0u);
}

TEST(RateLimiter, SlowRatesWaitLonger) {
  RateLimiter limiter(0.1, 1.0);
  const auto t0 = RateLimiter::Clock::time_point{} + 10s;
  EXPECT_EQ(limiter.take("k", t0), 0u);
  EXPECT_EQ(limiter.take("k", t0), 10u);
}

}  // namespace
}  // namespace seedgrid::gateway
