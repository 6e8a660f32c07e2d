#pragma once
// The cheat zoo inside a scripted job (runtime/base/task_script/): how a cheat alters the sampler
// passes of a task script as they run (task_script::TaskHooks::alter_pass), for the cheats that
// have such a form:
//   fewer_steps    the last pass runs half its steps (a hires_fix whose second pass is cut short)
//   other_sampler  every pass with another sampler (euler <-> ddim, others -> euler)
//   ignored_mask   every pass without its mask (an inpaint re-renders what it should keep)
// Every other cheat has none: a worker enabled with one renders scripted jobs honestly. The job
// still commits the leaf count it was priced for (task_primitives.cpp forges the missing leaves).
#include <cstdint>
#include <functional>

#include "actors/worker/cheats/cheat.hpp"
#include "models/pipeline/sampling_pass.hpp"

namespace seedgrid::worker {

using PassAlteration = std::function<void(std::uint32_t pass_index, SamplingPass& pass)>;

// Null when `cheat` has no scripted form. `passes`: how many the job declared.
PassAlteration scripted_cheat(Cheat cheat, std::size_t passes);

}  // namespace seedgrid::worker
