#pragma once
// Fills the trajectory commitment of an (unsigned) JobResult from the latents the render
// recorded: the render settings restated, leaf_count, the proofs of x_0 and x_N, and x_N itself,
// so the noise and decode audits need no round trip to the worker.
#include <string>

#include "runtime/base/protocol/job_result.hpp"
#include "runtime/base/verify/commitment/trajectory.hpp"

namespace seedgrid::worker {

// `trajectory` null: the instant benchmark task (one leaf, no latents). A scripted job commits its
// root over `scripted_leaves` leaves of all its passes and nothing else: its audits open the first
// and last latents of every pass from the worker's store, since which are needed depends on its
// script.
void fill_commitment(protocol::JobResult& r, const protocol::JobSpec& spec,
                     const std::string& precision, const verify::Trajectory* trajectory,
                     std::uint32_t scripted_leaves = 0);

}  // namespace seedgrid::worker
