#pragma once
// Fills the trajectory commitment of an (unsigned) JobResult from the latents the render
// recorded: the render settings restated, leaf_count, the proofs of x_0 and x_N, and x_N itself,
// so the noise and decode audits need no round trip to the worker.
#include <string>

#include "runtime/base/protocol/job_result.hpp"
#include "runtime/base/verify/commitment/trajectory.hpp"

namespace seedgrid::worker {

// `trajectory` null: the instant benchmark task (one leaf, no latents).
void fill_commitment(protocol::JobResult& r, const protocol::JobSpec& spec,
                     const std::string& precision, const verify::Trajectory* trajectory);

}  // namespace seedgrid::worker
