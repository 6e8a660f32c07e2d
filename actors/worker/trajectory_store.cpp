#include "actors/worker/trajectory_store.hpp"

namespace seedgrid::worker {

namespace {

std::uint64_t bytes_of(const verify::Trajectory& t) {
  std::uint64_t n = 0;
  for (std::uint32_t i = 0; i < t.leaf_count(); ++i) n += t.latent(i).bytes();
  return n;
}

}  // namespace

void TrajectoryStore::put(const std::string& job_id, std::uint32_t attempt,
                          std::shared_ptr<const verify::Trajectory> trajectory,
                          std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  expire_locked(now_ms);
  const Key key{job_id, attempt};
  if (auto it = entries_.find(key); it != entries_.end()) drop_locked(it);
  Entry e{std::move(trajectory), now_ms, 0};
  e.bytes = bytes_of(*e.trajectory);
  bytes_ += e.bytes;
  entries_.emplace(key, std::move(e));
  // Over the cap: drop the oldest (by store time, then key, so the choice is deterministic).
  while (bytes_ > byte_cap_ && !entries_.empty()) {
    auto oldest = entries_.begin();
    for (auto it = entries_.begin(); it != entries_.end(); ++it)
      if (it->second.stored_ms < oldest->second.stored_ms) oldest = it;
    drop_locked(oldest);
  }
}

Result<std::vector<verify::LatentOpening>> TrajectoryStore::open(
    const std::string& job_id, std::uint32_t attempt, std::span<const std::uint32_t> steps,
    std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  expire_locked(now_ms);
  auto it = entries_.find({job_id, attempt});
  if (it == entries_.end())
    return fail("no trajectory kept for ", job_id, " attempt ", attempt,
                " (never rendered here, past the challenge window, or dropped for the byte cap)");
  std::vector<verify::LatentOpening> out;
  for (std::uint32_t t : steps) {
    auto o = it->second.trajectory->open(t);
    if (!o) return context(o.error(), "opening ", job_id, " attempt ", attempt);
    out.push_back(std::move(*o));
  }
  return out;
}

void TrajectoryStore::expire(std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  expire_locked(now_ms);
}

std::size_t TrajectoryStore::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

std::uint64_t TrajectoryStore::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

void TrajectoryStore::expire_locked(std::int64_t now_ms) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    auto next = std::next(it);
    if (now_ms - it->second.stored_ms > window_ms_) drop_locked(it);
    it = next;
  }
}

void TrajectoryStore::drop_locked(std::map<Key, Entry>::iterator it) {
  bytes_ -= it->second.bytes;
  entries_.erase(it);
}

}  // namespace seedgrid::worker
