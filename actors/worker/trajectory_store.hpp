#pragma once
// The latents of each delivered job, kept for the challenge window so the worker can open any
// step a validator asks for after the commit; then dropped. A byte cap bounds memory: past it the
// oldest trajectories go first (a validator asking for one then gets "no opening", and the audit
// fails — so operators size the cap to the window). Thread-safe: the render thread puts, the
// worker actor opens. No clock is read here: callers pass now_ms.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "models/result.hpp"
#include "runtime/base/verify/commitment/trajectory.hpp"

namespace seedgrid::worker {

class TrajectoryStore {
 public:
  TrajectoryStore(std::int64_t window_ms, std::uint64_t byte_cap)
      : window_ms_(window_ms), byte_cap_(byte_cap) {}

  void put(const std::string& job_id, std::uint32_t attempt,
           std::shared_ptr<const verify::Trajectory> trajectory, std::int64_t now_ms);
  // Openings of the given steps, or an error naming the job ("no trajectory", "expired", a t out
  // of range).
  Result<std::vector<verify::LatentOpening>> open(const std::string& job_id, std::uint32_t attempt,
                                                  std::span<const std::uint32_t> steps,
                                                  std::int64_t now_ms);
  // Drops what is past the window.
  void expire(std::int64_t now_ms);

  std::size_t size() const;
  std::uint64_t bytes() const;

 private:
  struct Entry {
    std::shared_ptr<const verify::Trajectory> trajectory;
    std::int64_t stored_ms = 0;
    std::uint64_t bytes = 0;
  };
  using Key = std::pair<std::string, std::uint32_t>;
  void expire_locked(std::int64_t now_ms);
  void drop_locked(std::map<Key, Entry>::iterator it);

  mutable std::mutex mutex_;
  std::int64_t window_ms_;
  std::uint64_t byte_cap_;
  std::uint64_t bytes_ = 0;
  std::map<Key, Entry> entries_;
};

}  // namespace seedgrid::worker
