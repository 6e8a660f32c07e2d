#pragma once
// Virtual time: one queue of events ordered by (time, sequence), so events due at the same
// millisecond run in the order they were scheduled and a run never depends on a heap's tie
// breaking. Nothing here reads a clock.
#include <cstdint>
#include <functional>
#include <vector>

namespace seedgrid::sim {

class EventQueue {
 public:
  using Action = std::function<void()>;

  // Schedules `action` at `time_ms` (never before now: an earlier time runs now).
  void at(std::int64_t time_ms, Action action);
  void after(std::int64_t delay_ms, Action action) { at(now_ + delay_ms, std::move(action)); }
  // Runs the earliest event (advancing now to its time); false when none is left.
  bool step();
  bool empty() const { return events_.empty(); }
  std::size_t size() const { return events_.size(); }
  std::int64_t now() const { return now_; }
  std::uint64_t executed() const { return executed_; }

 private:
  struct Event {
    std::int64_t at = 0;
    std::uint64_t sequence = 0;
    Action action;
  };
  static bool later(const Event& a, const Event& b) {
    return a.at != b.at ? a.at > b.at : a.sequence > b.sequence;
  }
  std::vector<Event> events_;  // a binary heap, earliest on top
  std::uint64_t next_sequence_ = 0;
  std::uint64_t executed_ = 0;
  std::int64_t now_ = 0;
};

}  // namespace seedgrid::sim
