#pragma once
// Runs a Renderer on its own thread (a detached actor), so a render that takes seconds never holds
// up the actor scheduler, and cancellation and progress keep flowing while it runs:
//   owner -> (render, batch id, vector<Job>)
//   owner <- (progress, vector<JobProgress>) after every step, for the batch's jobs together
//   owner <- (rendered, batch id, vector<JobResult> unsigned, vector<JobFailure>)
// Cancelling: the owner stores a batch id in `cancel_batch` (or kEveryBatch as it stops); the render
// checks it between steps and inside them, in the kernels, and stops that batch (its jobs come back
// as failures with code cancelled and their steps done).
#include <caf/atom.hpp>
#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "runtime/base/protocol/atoms.hpp"
#include "runtime/base/protocol/job.hpp"
#include "runtime/base/protocol/job_result.hpp"

namespace seedgrid::rendering {
class Renderer;
}  // namespace seedgrid::rendering

namespace seedgrid::worker {

class TrajectoryStore;

// Stored in cancel_batch when the worker stops: whatever batch is rendering ends within an op, so
// a node asked to stop does not wait for a step that takes minutes.
inline constexpr std::uint64_t kEveryBatch = ~std::uint64_t{0};

using render_atom = caf::atom_constant<caf::atom("render")>;
using rendered_atom = caf::atom_constant<caf::atom("rendered")>;

using render_actor =
    caf::typed_actor<caf::reacts_to<render_atom, std::uint64_t, std::vector<protocol::Job>>>;

// What the render actor sends back to whoever asked it to render (the sender of `render`).
using render_owner_actor =
    caf::typed_actor<caf::reacts_to<protocol::progress_atom, std::vector<protocol::JobProgress>>,
                     caf::reacts_to<rendered_atom, std::uint64_t, std::vector<protocol::JobResult>,
                                    std::vector<protocol::JobFailure>>>;

// With a `store` (workers), each rendered job's trajectory is kept there for openings, and its
// result carries the full commitment (leaf count, proofs of x_0 and x_N, x_N).
render_actor spawn_render_actor(caf::actor_system& system,
                                std::shared_ptr<const rendering::Renderer> renderer,
                                std::shared_ptr<std::atomic<std::uint64_t>> cancel_batch,
                                std::shared_ptr<TrajectoryStore> store = nullptr);

}  // namespace seedgrid::worker
