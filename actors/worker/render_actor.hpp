#pragma once
// Runs a Renderer on its own thread (a detached actor), so a render that takes seconds never holds
// up the actor scheduler, and cancellation and progress keep flowing while it runs:
//   owner -> (render, batch id, vector<Job>)
//   owner <- (progress, JobProgress) after every step of every job
//   owner <- (rendered, batch id, vector<JobResult> unsigned, vector<JobFailure>)
// Cancelling: the owner stores a batch id in `cancel_batch`; the render checks it between steps and
// stops that batch (its jobs come back as failures with code cancelled and their steps done).
#include <caf/atom.hpp>
#include <caf/fwd.hpp>

#include <atomic>
#include <cstdint>
#include <memory>

namespace seedgrid::rendering {
class Renderer;
}  // namespace seedgrid::rendering

namespace seedgrid::worker {

class TrajectoryStore;

using render_atom = caf::atom_constant<caf::atom("render")>;
using rendered_atom = caf::atom_constant<caf::atom("rendered")>;

// With a `store` (workers), each rendered job's trajectory is kept there for openings, and its
// result carries the full commitment (leaf count, proofs of x_0 and x_N, x_N).
caf::actor spawn_render_actor(caf::actor_system& system, std::shared_ptr<const rendering::Renderer> renderer,
                              std::shared_ptr<std::atomic<std::uint64_t>> cancel_batch,
                              std::shared_ptr<TrajectoryStore> store = nullptr);

}  // namespace seedgrid::worker
