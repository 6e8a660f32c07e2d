#include "actors/worker/batch_failures.hpp"

namespace seedgrid::worker {

BatchFailures sort_batch_failures(const std::vector<protocol::Job>& batch,
                                  const std::set<std::string>& cancelled,
                                  std::vector<protocol::JobFailure> failures) {
  BatchFailures out;
  for (auto& f : failures) {
    if (f.code != protocol::ErrorCode::cancelled || cancelled.contains(f.job_id)) {
      out.to_report.push_back(std::move(f));
      continue;
    }
    for (const auto& j : batch)
      if (j.job_id == f.job_id && j.attempt == f.attempt) out.to_render_again.push_back(j);
  }
  return out;
}

}  // namespace seedgrid::worker
