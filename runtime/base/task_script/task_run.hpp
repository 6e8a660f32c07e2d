#pragma once
// One job of a task script on a loaded pipeline: the script's run(p, seed) in a fresh sandbox,
// its output images, and a record of every sampler pass it ran. The passes must be the ones the
// script's cost() declared for the same parameters (steps and pixels, in order), since that is
// what the job is priced by: a pass that differs fails before it renders, and a script that runs
// fewer fails at the end.
#include <cstdint>
#include <vector>

#include "models/pipeline/pipeline.hpp"
#include "runtime/base/task_script/task_primitives.hpp"
#include "runtime/base/task_script/task_schema.hpp"
#include "runtime/base/task_script/task_script.hpp"

namespace seedgrid::task_script {

struct TaskOutput {
  std::vector<RgbImage> images;
  std::vector<PassRecord> passes;
  // The job's one commitment over every pass (verify/commitment/job_trajectory.hpp): for a
  // one-pass script, the root the built-in render of the same job commits.
  Digest trajectory_root{};
  std::uint32_t leaf_count = 0;
};

// The leaves of every pass of `passes`, in order: what trajectory_root is the Merkle root of.
std::vector<Digest> job_leaves_of(const std::vector<PassRecord>& passes);

// `params` as given (resolved against the schema here). `declared`: the passes cost() declares for
// them, when the caller has already asked the script (a worker checks them against the price
// first); null: asked here.
Result<TaskOutput> run_task(const TaskScript& script, const Pipeline& pipeline,
                            const ParamValues& params, std::uint64_t seed,
                            const TaskHooks& hooks = {},
                            const std::vector<PassCost>* declared = nullptr);

}  // namespace seedgrid::task_script
