#include "runtime/sim/event_queue.hpp"

#include <gtest/gtest.h>

#include <string>

namespace seedgrid::sim {
namespace {

TEST(EventQueue, RunsByTimeThenByTheOrderScheduled) {
  EventQueue q;
  std::string order;
  q.at(20, [&] { order += "c"; });
  q.at(10, [&] { order += "a"; });
  q.at(10, [&] { order += "b"; });  // same time: after "a", scheduled before it
  q.at(20, [&] { order += "d"; });
  while (q.step()) {
  }
  EXPECT_EQ(order, "abcd");
  EXPECT_EQ(q.now(), 20);
  EXPECT_EQ(q.executed(), 4u);
}

TEST(EventQueue, EventsScheduleLaterEventsAndNeverThePast) {
  EventQueue q;
  std::vector<std::int64_t> times;
  q.at(5, [&] {
    times.push_back(q.now());
    q.after(3, [&] { times.push_back(q.now()); });
    q.at(1, [&] { times.push_back(q.now()); });  // in the past: runs now, after this event
  });
  while (q.step()) {
  }
  EXPECT_EQ(times, (std::vector<std::int64_t>{5, 5, 8}));
}

}  // namespace
}  // namespace seedgrid::sim
