#include "actors/worker/job_queue.hpp"

#include <algorithm>

namespace seedgrid::worker {

void JobQueue::push(protocol::Job job) { jobs_.push_back(std::move(job)); }

void JobQueue::push_front(std::vector<protocol::Job> jobs) {
  jobs_.insert(jobs_.begin(), std::make_move_iterator(jobs.begin()),
               std::make_move_iterator(jobs.end()));
}

bool JobQueue::remove(const std::string& job_id, std::uint32_t attempt) {
  auto it = std::find_if(jobs_.begin(), jobs_.end(), [&](const protocol::Job& j) {
    return j.job_id == job_id && j.attempt == attempt;
  });
  if (it == jobs_.end()) return false;
  jobs_.erase(it);
  return true;
}

std::vector<protocol::Job> JobQueue::take_batch(std::size_t max_batch,
                                                const Compatible& compatible) {
  std::vector<protocol::Job> batch;
  if (jobs_.empty() || max_batch == 0) return batch;
  batch.push_back(std::move(jobs_.front()));
  jobs_.pop_front();
  for (auto it = jobs_.begin(); it != jobs_.end() && batch.size() < max_batch;) {
    if (compatible(batch.front().spec, it->spec)) {
      batch.push_back(std::move(*it));
      it = jobs_.erase(it);
    } else {
      ++it;
    }
  }
  return batch;
}

std::vector<protocol::Job> JobQueue::take_all() {
  std::vector<protocol::Job> all(std::make_move_iterator(jobs_.begin()),
                                 std::make_move_iterator(jobs_.end()));
  jobs_.clear();
  return all;
}

}  // namespace seedgrid::worker
