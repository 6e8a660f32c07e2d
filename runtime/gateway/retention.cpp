#include "runtime/gateway/retention.hpp"

namespace seedgrid::gateway {

void Retention::finished(const std::string& id, const std::string& owner, Clock::time_point at,
                         std::uint64_t bytes) {
  if (auto it = kept_.find(id); it != kept_.end()) {
    bytes_ = bytes_ - it->second.bytes + bytes;
    it->second.bytes = bytes;
    return;
  }
  const std::uint64_t order = next_order_++;
  kept_.emplace(id, Kept{owner, at, bytes, order});
  by_age_.emplace(std::make_pair(at, order), id);
  bytes_ += bytes;
}

void Retention::grew(const std::string& id, std::uint64_t bytes) {
  if (auto it = kept_.find(id); it != kept_.end()) {
    it->second.bytes += bytes;
    bytes_ += bytes;
  }
}

void Retention::forget(const std::string& id, std::string reason, std::vector<std::string>& out) {
  auto it = kept_.find(id);
  if (it == kept_.end()) return;
  by_age_.erase({it->second.finished_at, it->second.order});
  bytes_ -= it->second.bytes;
  if (limits_.remembered_ids > 0) {
    tombstones_[id] = Tombstone{it->second.owner, std::move(reason)};
    tombstone_order_.push_back(id);
    while (tombstone_order_.size() > limits_.remembered_ids) {
      tombstones_.erase(tombstone_order_.front());
      tombstone_order_.pop_front();
    }
  }
  kept_.erase(it);
  out.push_back(id);
}

std::vector<std::string> Retention::due(Clock::time_point now) {
  std::vector<std::string> out;
  while (!by_age_.empty() && now - by_age_.begin()->first.first >= limits_.keep_finished) {
    const std::string id = by_age_.begin()->second;
    forget(id,
           "it finished more than " + std::to_string(limits_.keep_finished.count()) +
               " s ago, and the gateway keeps finished requests that long "
               "(gateway.keep_finished_s)",
           out);
  }
  while (bytes_ > limits_.max_bytes && !by_age_.empty()) {
    const std::string id = by_age_.begin()->second;
    forget(id,
           "the gateway forgets the oldest finished requests once they hold more than " +
               std::to_string(limits_.max_bytes >> 20) + " MiB (gateway.max_kept_megabytes)",
           out);
  }
  return out;
}

std::optional<std::string> Retention::forgotten(const std::string& id,
                                                const std::string& owner) const {
  auto it = tombstones_.find(id);
  if (it == tombstones_.end() || it->second.owner != owner) return std::nullopt;
  return "request " + id + " has expired: " + it->second.reason +
         "; save images and receipts when a request completes";
}

}  // namespace seedgrid::gateway
