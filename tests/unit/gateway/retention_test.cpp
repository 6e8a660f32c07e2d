#include "runtime/gateway/retention.hpp"

#include <gtest/gtest.h>

namespace seedgrid::gateway {
namespace {

using namespace std::chrono_literals;
using Clock = Retention::Clock;

TEST(Retention, KeepsAFinishedRequestUntilItsTimeIsUp) {
  Retention r({.keep_finished = 60s, .max_bytes = 1 << 20});
  const auto t0 = Clock::time_point{} + 1000s;
  r.finished("a", "alice", t0, 100);
  EXPECT_TRUE(r.due(t0 + 59s).empty());
  EXPECT_EQ(r.due(t0 + 60s), std::vector<std::string>{"a"});
  EXPECT_EQ(r.kept_bytes(), 0u);
  EXPECT_EQ(r.kept_requests(), 0u);
}

TEST(Retention, ForgetsTheOldestFinishedFirstWhenOverItsMemory) {
  Retention r({.keep_finished = 3600s, .max_bytes = 250});
  const auto t0 = Clock::time_point{} + 1000s;
  r.finished("old", "alice", t0, 100);
  r.finished("mid", "bob", t0 + 1s, 100);
  EXPECT_TRUE(r.due(t0 + 2s).empty());
  r.finished("new", "alice", t0 + 2s, 100);
  EXPECT_EQ(r.due(t0 + 2s), std::vector<std::string>{"old"});
  EXPECT_EQ(r.kept_bytes(), 200u);
  // A WebP made later counts too.
  r.grew("mid", 60);
  EXPECT_EQ(r.due(t0 + 3s), std::vector<std::string>{"mid"});
  EXPECT_EQ(r.kept_requests(), 1u);
}

TEST(Retention, SameFinishTimeForgetsInTheOrderTheyFinished) {
  Retention r({.keep_finished = 10s, .max_bytes = 1 << 20});
  const auto t0 = Clock::time_point{} + 5s;
  r.finished("z", "u", t0, 1);
  r.finished("a", "u", t0, 1);
  EXPECT_EQ(r.due(t0 + 10s), (std::vector<std::string>{"z", "a"}));
}

TEST(Retention, ASecondFinishOnlyUpdatesTheBytes) {
  Retention r({.keep_finished = 10s, .max_bytes = 1 << 20});
  const auto t0 = Clock::time_point{} + 5s;
  r.finished("a", "u", t0, 10);
  r.finished("a", "u", t0 + 8s, 30);
  EXPECT_EQ(r.kept_bytes(), 30u);
  EXPECT_EQ(r.kept_requests(), 1u);
  EXPECT_EQ(r.due(t0 + 10s), std::vector<std::string>{"a"});  // the first finish counts
}

TEST(Retention, TellsTheOwnerWhyItsRequestExpiredAndNobodyElse) {
  Retention r({.keep_finished = 60s, .max_bytes = 1 << 20});
  const auto t0 = Clock::time_point{} + 1000s;
  r.finished("req-1", "alice", t0, 1);
  EXPECT_FALSE(r.forgotten("req-1", "alice"));  // still kept
  r.due(t0 + 61s);
  auto why = r.forgotten("req-1", "alice");
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("req-1"), std::string::npos);
  EXPECT_NE(why->find("gateway.keep_finished_s"), std::string::npos);
  EXPECT_FALSE(r.forgotten("req-1", "mallory"));
  EXPECT_FALSE(r.forgotten("never", "alice"));
}

TEST(Retention, RemembersABoundedNumberOfForgottenIds) {
  Retention r({.keep_finished = 1s, .max_bytes = 1 << 20, .remembered_ids = 2});
  const auto t0 = Clock::time_point{} + 10s;
  for (const char* id : {"a", "b", "c"}) r.finished(id, "u", t0, 1);
  EXPECT_EQ(r.due(t0 + 1s).size(), 3u);
  EXPECT_FALSE(r.forgotten("a", "u"));
  EXPECT_TRUE(r.forgotten("b", "u"));
  EXPECT_TRUE(r.forgotten("c", "u"));
}

}  // namespace
}  // namespace seedgrid::gateway
