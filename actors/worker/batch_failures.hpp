#pragma once
// What a worker does with the jobs of a batch that did not render: a real failure, or a job the
// coordinator cancelled, is reported to the coordinator; a job stopped only because a batch
// neighbour was cancelled (the batch stops as a whole) is rendered again, ahead of the queue.
#include <set>
#include <string>
#include <vector>

#include "runtime/base/protocol/job.hpp"
#include "runtime/base/protocol/job_result.hpp"

namespace seedgrid::worker {

struct BatchFailures {
  std::vector<protocol::JobFailure> to_report;  // in the order the renderer gave them
  std::vector<protocol::Job> to_render_again;   // in the batch's order of the failures
};

// `batch`: the jobs the batch rendered; `cancelled`: job ids the coordinator cancelled while it
// ran; `failures`: the renderer's failures of that batch.
BatchFailures sort_batch_failures(const std::vector<protocol::Job>& batch,
                                  const std::set<std::string>& cancelled,
                                  std::vector<protocol::JobFailure> failures);

}  // namespace seedgrid::worker
