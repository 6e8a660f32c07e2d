#pragma once
// Reconnection back-off: starts at `initial_ms`, doubles after each failed attempt up to `max_ms`,
// and goes back to the start once a link is up. Deterministic (no jitter): the nodes of one
// network are few and reconnect to one coordinator, so a thundering herd is not a concern.
#include <algorithm>
#include <cstdint>

namespace seedgrid::link {

class Backoff {
 public:
  Backoff(std::uint32_t initial_ms, std::uint32_t max_ms)
      : initial_ms_(initial_ms), max_ms_(std::max(initial_ms, max_ms)), next_ms_(initial_ms) {}

  // The delay before the next attempt; each call doubles the one after it.
  std::uint32_t next() {
    const std::uint32_t now = next_ms_;
    next_ms_ =
        static_cast<std::uint32_t>(std::min<std::uint64_t>(std::uint64_t(next_ms_) * 2, max_ms_));
    return now;
  }
  void reset() { next_ms_ = initial_ms_; }

 private:
  std::uint32_t initial_ms_;
  std::uint32_t max_ms_;
  std::uint32_t next_ms_;
};

}  // namespace seedgrid::link
