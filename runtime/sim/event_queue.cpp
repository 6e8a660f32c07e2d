#include "runtime/sim/event_queue.hpp"

#include <algorithm>

namespace seedgrid::sim {

void EventQueue::at(std::int64_t time_ms, Action action) {
  events_.push_back({std::max(time_ms, now_), next_sequence_++, std::move(action)});
  std::push_heap(events_.begin(), events_.end(), later);
}

bool EventQueue::step() {
  if (events_.empty()) return false;
  std::pop_heap(events_.begin(), events_.end(), later);
  Event e = std::move(events_.back());
  events_.pop_back();
  now_ = e.at;
  ++executed_;
  e.action();
  return true;
}

}  // namespace seedgrid::sim
