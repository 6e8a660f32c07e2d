#include "actors/worker/render_actor.hpp"

#include <caf/all.hpp>

#include <chrono>

#include "actors/rendering/renderer.hpp"
#include "actors/worker/commitment.hpp"
#include "actors/worker/trajectory_store.hpp"
#include "runtime/base/protocol/inspect.hpp"

namespace seedgrid::worker {

namespace {

std::int64_t steady_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

render_actor::behavior_type render_loop(render_actor::pointer self,
                                        std::shared_ptr<const rendering::Renderer> renderer,
                                        std::shared_ptr<std::atomic<std::uint64_t>> cancel_batch,
                                        std::shared_ptr<TrajectoryStore> store) {
  return {
      [self, renderer, cancel_batch, store](render_atom, std::uint64_t batch_id,
                                            const std::vector<protocol::Job>& jobs) {
        const auto owner = caf::actor_cast<render_owner_actor>(self->current_sender());
        std::vector<protocol::JobSpec> specs;
        for (const auto& j : jobs) specs.push_back(j.spec);
        std::vector<std::uint32_t> steps_done(jobs.size(), 0);
        // A step's progress for the whole batch in one message: the renderer reports the jobs of
        // a step in order, so a step is complete at the batch's last job, or when the reports
        // start over (a job that failed its checks reports nothing).
        std::vector<protocol::JobProgress> step_progress;
        std::size_t previous_job = 0;
        const auto send_progress = [&] {
          if (step_progress.empty()) return;
          self->send(owner, protocol::progress_atom::value, std::move(step_progress));
          step_progress.clear();
        };
        rendering::RenderHooks hooks;
        hooks.on_progress = [&](std::size_t job, std::uint32_t step, std::uint32_t steps) {
          steps_done[job] = step;
          if (!step_progress.empty() && job <= previous_job) send_progress();
          previous_job = job;
          step_progress.push_back({jobs[job].job_id, jobs[job].attempt, step, steps});
          if (job + 1 == jobs.size()) send_progress();
        };
        hooks.cancelled = [&] {
          const std::uint64_t cancelled = cancel_batch->load();
          return cancelled == batch_id || cancelled == kEveryBatch;
        };
        rendering::BatchOutcome outcome = renderer->render(specs, hooks);
        send_progress();
        std::vector<protocol::JobResult> results;
        std::vector<protocol::JobFailure> failures;
        for (std::size_t i = 0; i < jobs.size(); ++i) {
          auto& image = outcome.images[i];
          if (!image) {
            const auto otherwise = outcome.cancelled ? protocol::ErrorCode::cancelled
                                                     : protocol::ErrorCode::worker_error;
            failures.push_back({jobs[i].job_id, jobs[i].attempt,
                                protocol::code_of(image.error(), otherwise), image.error().message,
                                steps_done[i]});
            continue;
          }
          protocol::JobResult r;
          r.job_id = jobs[i].job_id;
          r.attempt = jobs[i].attempt;
          r.spec_hash = protocol::spec_hash(jobs[i].spec);
          r.model_id = jobs[i].spec.model_id;
          r.width = jobs[i].spec.width;
          r.height = jobs[i].spec.height;
          r.pixels = std::move(image->pixels);
          r.output_hash = protocol::output_hash_of(r.pixels);
          r.trajectory_root = image->trajectory_root;
          r.determinism_class = renderer->determinism_class();
          r.render_ms = outcome.render_ms;
          r.batch_size = static_cast<std::uint32_t>(jobs.size());
          fill_commitment(r, jobs[i].spec, renderer->precision(), image->trajectory.get(),
                          image->leaf_count);
          if (store && image->trajectory)
            store->put(r.job_id, r.attempt, image->trajectory, steady_now_ms());
          results.push_back(std::move(r));
        }
        self->send(owner, rendered_atom::value, batch_id, std::move(results), std::move(failures));
      },
  };
}

}  // namespace

render_actor spawn_render_actor(caf::actor_system& system,
                                std::shared_ptr<const rendering::Renderer> renderer,
                                std::shared_ptr<std::atomic<std::uint64_t>> cancel_batch,
                                std::shared_ptr<TrajectoryStore> store) {
  return system.spawn<caf::detached>(render_loop, std::move(renderer), std::move(cancel_batch),
                                     std::move(store));
}

}  // namespace seedgrid::worker
