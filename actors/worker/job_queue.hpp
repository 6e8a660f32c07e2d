#pragma once
// A worker's local queue: the coordinator keeps several jobs in flight per worker so it never
// idles; the worker renders them oldest first, batching the oldest job with later compatible ones
// (same model, size, steps, sampler) up to its max batch.
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "runtime/base/protocol/job.hpp"

namespace seedgrid::worker {

using Compatible = std::function<bool(const protocol::JobSpec&, const protocol::JobSpec&)>;

class JobQueue {
 public:
  void push(protocol::Job job);
  // Jobs whose batch was stopped for another job's cancellation go back to the front, in order.
  void push_front(std::vector<protocol::Job> jobs);
  // Removes a queued job; false when it is not queued (running, or never here).
  bool remove(const std::string& job_id, std::uint32_t attempt);
  std::vector<protocol::Job> take_batch(std::size_t max_batch, const Compatible& compatible);
  std::vector<protocol::Job> take_all();
  std::size_t size() const { return jobs_.size(); }
  bool empty() const { return jobs_.empty(); }

 private:
  std::deque<protocol::Job> jobs_;
};

}  // namespace seedgrid::worker
