#pragma once
// How long the gateway keeps a finished request (its events, images, receipts and WebP copies) in
// memory. Without a bound, a gateway that runs for weeks grows with every image it ever served.
// Finished requests are forgotten after `keep_finished`, and the oldest finished first whenever
// what they hold passes `max_bytes`; requests still running are never forgotten. A forgotten id is
// remembered (bounded) so its owner gets "expired, and why" instead of "never existed".
//
// Plain values and an injected clock: the book calls it under its lock; tests drive time.
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace seedgrid::gateway {

struct RetentionLimits {
  std::chrono::seconds keep_finished{86'400};
  std::uint64_t max_bytes = 1024ull << 20;
  std::size_t remembered_ids = 100'000;  // forgotten ids still answered with "expired"
};

class Retention {
 public:
  using Clock = std::chrono::steady_clock;
  explicit Retention(RetentionLimits limits) : limits_(limits) {}

  // The request finished at `at` and holds `bytes`; a second call only updates the bytes.
  void finished(const std::string& id, const std::string& owner, Clock::time_point at,
                std::uint64_t bytes);
  // A finished request took `bytes` more (a WebP made for a Horde client).
  void grew(const std::string& id, std::uint64_t bytes);
  // The ids to forget at `now`, oldest first: past keep_finished, then while over max_bytes.
  std::vector<std::string> due(Clock::time_point now);
  // Why `owner`'s request `id` is no longer kept; nothing when it was never forgotten (or is
  // another owner's: its existence is not told to others).
  std::optional<std::string> forgotten(const std::string& id, const std::string& owner) const;

  std::uint64_t kept_bytes() const { return bytes_; }
  std::size_t kept_requests() const { return kept_.size(); }

 private:
  struct Kept {
    std::string owner;
    Clock::time_point finished_at;
    std::uint64_t bytes = 0;
    std::uint64_t order = 0;  // position in by_age_
  };
  struct Tombstone {
    std::string owner;
    std::string reason;
  };
  void forget(const std::string& id, std::string reason, std::vector<std::string>& out);

  RetentionLimits limits_;
  std::map<std::string, Kept> kept_;
  std::map<std::pair<Clock::time_point, std::uint64_t>, std::string> by_age_;
  std::uint64_t next_order_ = 0;
  std::uint64_t bytes_ = 0;
  std::map<std::string, Tombstone> tombstones_;
  std::deque<std::string> tombstone_order_;
};

}  // namespace seedgrid::gateway
