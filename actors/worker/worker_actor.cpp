#include "actors/worker/worker_actor.hpp"

#include <spdlog/spdlog.h>
#include <caf/all.hpp>

#include <optional>
#include <set>

#include "actors/rendering/renderer.hpp"
#include "actors/session/answer_timeouts.hpp"
#include "actors/session/coordinator_session.hpp"
#include "actors/session/job_input_fetch.hpp"
#include "actors/worker/appeal_policy.hpp"
#include "actors/worker/batch_failures.hpp"
#include "actors/worker/job_queue.hpp"
#include "actors/worker/render_actor.hpp"
#include "actors/worker/trajectory_store.hpp"
#include "actors/worker/worker_self.hpp"
#include "runtime/base/link/remote_link.hpp"
#include "runtime/base/logging/log.hpp"
#include "runtime/base/protocol/inspect.hpp"
#include "runtime/base/protocol/version.hpp"

namespace seedgrid::worker {

namespace {

struct RunningBatch {
  std::uint64_t id = 0;
  std::vector<protocol::Job> jobs;
  std::set<std::string> cancelled;  // job ids the coordinator cancelled
  bool stale = false;               // the coordinator changed: nobody wants these results
};

struct WorkerState {
  WorkerSetup setup;
  std::shared_ptr<spdlog::logger> log;
  std::unique_ptr<session::CoordinatorSession<worker_self_actor>> session;
  caf::actor link;  // to a remote coordinator
  render_actor render;
  std::shared_ptr<std::atomic<std::uint64_t>> cancel_batch;
  std::shared_ptr<TrajectoryStore> trajectories;
  std::unique_ptr<AppealPolicy> appeals;
  std::uint64_t next_batch = 1;
  JobQueue queue;
  session::InputWaitlist<protocol::Job> awaiting_input;
  std::optional<RunningBatch> running;
  static inline const char* name = "seedgrid.worker";
};

using Self = worker_self_actor::stateful_pointer<WorkerState>;

std::int64_t steady_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The answer to an opening request, signed; an error inside it when the trajectory is gone.
protocol::Opening answer_opening(WorkerState& s, const protocol::OpeningRequest& req) {
  protocol::Opening o;
  o.audit_id = req.audit_id;
  o.job_id = req.job_id;
  o.attempt = req.attempt;
  auto opened = s.trajectories->open(req.job_id, req.attempt, req.steps, steady_now_ms());
  if (!opened) {
    o.error = opened.error().message;
    s.log->warn("cannot open {} attempt {}: {}", req.job_id, req.attempt, o.error);
  } else {
    for (const auto& x : *opened) o.openings.push_back(protocol::wire_opening(x));
  }
  apply_opening_fault(s.setup.fault, o);
  protocol::sign_opening(o, *s.setup.identity);
  return o;
}

protocol::Capabilities capabilities_of(const WorkerSetup& s) {
  protocol::Capabilities c;
  c.models = s.renderer->model_ids();
  c.task_types = s.renderer->task_types();
  c.device = s.renderer->device();
  c.determinism_class = s.renderer->determinism_class();
  c.serves_fast = s.section.serve_fast;
  c.serves_relaxed = s.section.serve_relaxed;
  c.max_batch = s.section.max_batch;
  c.max_inflight = s.section.max_inflight;
  c.pixel_steps_per_second = s.pixel_steps_per_second;
  c.version = protocol::release();
  return c;
}

void answer_failure(Self self, const protocol::JobFailure& f) {
  auto& s = self->state;
  if (!s.session->registered()) return;
  self->request(s.session->coordinator(), session::kReportAnswerTimeout,
                protocol::jobfail_atom::value, f)
      .then(
          [self, id = f.job_id](const protocol::Reply& r) {
            if (!r.ok())
              self->state.log->warn("coordinator refused the failure report of {}: {}", id,
                                    r.reason);
          },
          // The coordinator's deadline re-queues the job if the report never arrived.
          [self, id = f.job_id](caf::error& err) {
            self->state.log->warn("failure report of {} not acknowledged: {}", id,
                                  self->system().render(err));
          });
}

// A rendered batch's results in one message (the coordinator answers each).
void send_results(Self self, std::vector<protocol::JobResult> results) {
  auto& s = self->state;
  self->request(s.session->coordinator(), session::kReportAnswerTimeout,
                protocol::results_atom::value, std::move(results))
      .then(
          [self](const std::vector<protocol::Reply>& replies) {
            for (const auto& reply : replies)
              if (!reply.ok())
                self->state.log->warn("coordinator refused a result ({} {}): {}",
                                      protocol::error_code_name(reply.code),
                                      static_cast<unsigned>(reply.code), reply.reason);
          },
          // The coordinator's deadline re-queues the jobs if the results never arrived.
          [self](caf::error& err) {
            self->state.log->warn("results not acknowledged: {}", self->system().render(err));
          });
}

void start_next(Self self) {
  auto& s = self->state;
  if (s.running || !s.session->registered() || s.queue.empty()) return;
  const auto& renderer = *s.setup.renderer;
  auto batch = s.queue.take_batch(s.setup.section.max_batch,
                                  [&](const protocol::JobSpec& a, const protocol::JobSpec& b) {
                                    return renderer.compatible(a, b);
                                  });
  RunningBatch run;
  run.id = s.next_batch++;
  run.jobs = batch;
  const auto size = static_cast<std::uint32_t>(batch.size());
  std::vector<protocol::JobStarted> started;
  for (const auto& j : batch) started.push_back({j.job_id, j.attempt, size});
  self->send(s.session->coordinator(), protocol::started_atom::value, std::move(started));
  s.log->debug("rendering batch {} of {} job(s)", run.id, size);
  s.running = std::move(run);
  self->send(s.render, render_atom::value, s.running->id, std::move(batch));
}

// Everything queued or rendering was for a coordinator that is gone (it re-queues them itself).
void abandon_all(Self self) {
  auto& s = self->state;
  const auto dropped = s.queue.take_all();
  if (s.running) {
    s.running->stale = true;
    s.cancel_batch->store(s.running->id);
  }
  const auto unscripted = s.awaiting_input.take_all();
  if (!dropped.empty() || !unscripted.empty())
    s.log->info("dropped {} queued job(s) of the lost coordinator",
                dropped.size() + unscripted.size());
}

void input_arrived(Self self, const std::string& id, const Result<void>& loaded);

// A job this worker serves: queued once it has its inputs (a scripted job's script and images),
// which it waits for first.
// `start`: begin rendering now; the jobs of one message start once all of them are queued.
void accept_job(Self self, protocol::Job job, bool start = true) {
  auto& st = self->state;
  if (auto need = session::missing_input(*st.setup.renderer, job.spec)) {
    const std::string id = *need;
    if (st.awaiting_input.wait(id, job))
      session::fetch_job_input(
          self, st.session->coordinator(), st.setup.renderer, job.spec, id,
          [self, id](Result<void> loaded) { input_arrived(self, id, loaded); });
    return;
  }
  st.queue.push(std::move(job));
  if (start) start_next(self);
}

// A job from the coordinator: refused when this worker does not serve it, else accepted.
void receive_job(Self self, const protocol::Job& job, bool start) {
  auto& st = self->state;
  if (!st.setup.renderer->serves(job.spec)) {
    answer_failure(
        self,
        {job.job_id, job.attempt, protocol::ErrorCode::worker_error,
         "model " + job.spec.model_id + " (" + job.spec.task_type + ") is not loaded here", 0});
    return;
  }
  if (st.setup.fault == TestFault::stall) {
    st.log->warn("test fault 'stall': sitting on job {}", job.job_id);
    return;
  }
  accept_job(self, job, start);
}

// Jobs that waited for a script or image: on to their next input or the queue once it loaded,
// failed (by this worker: another may get it) when it did not.
void input_arrived(Self self, const std::string& id, const Result<void>& loaded) {
  auto& s = self->state;
  auto jobs = s.awaiting_input.take(id);
  if (!loaded) {
    s.log->warn("{}", loaded.error().message);
    for (const auto& job : jobs)
      answer_failure(self, {job.job_id, job.attempt, protocol::ErrorCode::worker_error,
                            loaded.error().message, 0});
    return;
  }
  s.log->info("received {} {} for {} job(s)",
              s.setup.renderer->has_script(id) ? "task script" : "image", id.substr(0, 12),
              jobs.size());
  for (auto& job : jobs) accept_job(self, std::move(job));
}

worker_self_actor::behavior_type worker(Self self, WorkerSetup setup,
                                        std::optional<caf::actor> local_coordinator) {
  auto& s = self->state;
  s.setup = std::move(setup);
  s.log = logging::logger("worker");
  s.cancel_batch = std::make_shared<std::atomic<std::uint64_t>>(0);
  s.trajectories = std::make_shared<TrajectoryStore>(s.setup.section.challenge_window_ms,
                                                     s.setup.section.trajectory_cap_bytes);
  s.render = spawn_render_actor(self->system(), s.setup.renderer, s.cancel_batch, s.trajectories);
  self->link_to(s.render);
  // The render thread exits with the worker only once its render returns: stop that render now.
  self->attach_functor([cancel = s.cancel_batch] { cancel->store(kEveryBatch); });
  s.appeals = std::make_unique<AppealPolicy>(s.setup.section.appeal_failed_audits);
  s.session = std::make_unique<session::CoordinatorSession<worker_self_actor>>(
      protocol::Role::worker, *s.setup.identity, s.setup.name, capabilities_of(s.setup),
      s.setup.section.coordinator_key, s.setup.network, s.log);
  s.log->info("worker {} ({}) serves {} model(s) on {} at {} pixel-steps/s", s.setup.name,
              s.setup.identity->node_id().substr(0, 16), s.session->capabilities().models.size(),
              s.setup.renderer->device(), s.setup.pixel_steps_per_second);
  self->set_down_handler([self](const caf::down_msg& dm) {
    if (self->state.session->lost(dm)) abandon_all(self);
  });
  if (local_coordinator) {
    self->send(self, link::link_up_atom::value, *local_coordinator);
  } else {
    s.link = link::spawn_remote_link(self->system(), caf::actor_cast<caf::actor>(self),
                                     s.setup.section.coordinator, s.setup.network, "coordinator",
                                     s.setup.section.coordinator_key);
  }
  return {
      [self](link::link_up_atom, const caf::actor& coordinator) {
        abandon_all(self);
        // The boundary: the coordinator's handle, typed once.
        self->state.session->connect(self,
                                     caf::actor_cast<protocol::coordinator_actor>(coordinator),
                                     [self] { start_next(self); });
      },
      [self](session::retry_register_atom, std::uint64_t generation) {
        self->state.session->retry(self, generation);
      },
      [self](protocol::job_atom, const protocol::Job& job) {
        auto& st = self->state;
        if (!st.session->registered() || !st.session->from_coordinator(self)) return;
        receive_job(self, job, true);
      },
      [self](protocol::jobs_atom, const std::vector<protocol::Job>& jobs) {
        auto& st = self->state;
        if (!st.session->registered() || !st.session->from_coordinator(self)) return;
        for (const auto& job : jobs) receive_job(self, job, false);
        start_next(self);
      },
      [self](protocol::cancel_atom, const std::string& job_id, std::uint32_t attempt) {
        auto& st = self->state;
        if (!st.session->from_coordinator(self)) return;
        const auto is_it = [&](const protocol::Job& j) {
          return j.job_id == job_id && j.attempt == attempt;
        };
        if (st.queue.remove(job_id, attempt) || st.awaiting_input.remove_if(is_it)) {
          answer_failure(self, {job_id, attempt, protocol::ErrorCode::cancelled,
                                "cancelled before it started", 0});
          return;
        }
        if (!st.running) return;
        for (const auto& j : st.running->jobs) {
          if (j.job_id == job_id && j.attempt == attempt) {
            st.running->cancelled.insert(job_id);
            st.cancel_batch->store(st.running->id);  // stops the batch at its next step
          }
        }
      },
      [self](protocol::open_atom, const protocol::OpeningRequest& req) -> protocol::Opening {
        auto& st = self->state;
        if (!st.session->from_coordinator(self)) {
          protocol::Opening refused;
          refused.audit_id = req.audit_id;
          refused.error = "opening requests are answered for the coordinator only";
          return refused;
        }
        return answer_opening(st, req);
      },
      // A failed verdict on one of this worker's results: appeal it once, when configured to.
      [self](protocol::verdict_atom, const protocol::Verdict& v) {
        auto& st = self->state;
        if (!st.session->registered() || !st.session->from_coordinator(self)) return;
        auto appeal = st.appeals->appeal(v, *st.setup.identity);
        if (!appeal) return;
        st.log->info("appealing the failed verdict {}", v.audit_id);
        self->request(st.session->coordinator(), session::kReportAnswerTimeout,
                      protocol::appeal_atom::value, std::move(*appeal))
            .then(
                [self, id = v.audit_id](const protocol::Reply& r) {
                  if (!r.ok()) self->state.log->warn("appeal of {} refused: {}", id, r.reason);
                },
                // The one appeal is used: the verdict stands when the window closes.
                [self, id = v.audit_id](caf::error& err) {
                  self->state.log->warn("appeal of {} not acknowledged: {}", id,
                                        self->system().render(err));
                });
      },
      [self](protocol::progress_atom, std::vector<protocol::JobProgress>& step) {
        auto& st = self->state;
        if (st.running && !st.running->stale && st.session->registered())
          self->send(st.session->coordinator(), protocol::progress_atom::value, std::move(step));
      },
      [self](rendered_atom, std::uint64_t batch_id, std::vector<protocol::JobResult>& results,
             std::vector<protocol::JobFailure>& failures) {
        auto& st = self->state;
        if (!st.running || st.running->id != batch_id) return;
        RunningBatch run = std::move(*st.running);
        st.running.reset();
        if (!run.stale && st.session->registered()) {
          apply_failure_fault(st.setup.fault, results, failures);
          protocol::sign_results(results, *st.setup.identity);
          for (auto& r : results) {
            apply_test_fault(st.setup.fault, r, *st.setup.identity);
            if (st.log->should_log(spdlog::level::debug))
              st.log->debug("job {} attempt {} rendered in {} ms, hash {}", r.job_id, r.attempt,
                            r.render_ms, to_hex(r.output_hash).substr(0, 16));
          }
          if (!results.empty()) send_results(self, std::move(results));
          auto sorted = sort_batch_failures(run.jobs, run.cancelled, std::move(failures));
          for (const auto& f : sorted.to_report) {
            if (f.code == protocol::ErrorCode::cancelled)
              st.log->info("job {} cancelled after {} step(s)", f.job_id, f.steps_done);
            else
              st.log->warn("job {} failed: {}", f.job_id, f.reason);
            answer_failure(self, f);
          }
          st.queue.push_front(std::move(sorted.to_render_again));
        }
        start_next(self);
      },
  };
}

}  // namespace

protocol::worker_actor spawn_worker(caf::actor_system& system, WorkerSetup setup,
                                    const protocol::coordinator_actor* local_coordinator) {
  // The local coordinator comes in as a remote one does (link_up, untyped), so the worker has
  // one path for both.
  std::optional<caf::actor> local;
  if (local_coordinator != nullptr) local = caf::actor_cast<caf::actor>(*local_coordinator);
  return caf::actor_cast<protocol::worker_actor>(
      system.spawn(worker, std::move(setup), std::move(local)));
}

}  // namespace seedgrid::worker
