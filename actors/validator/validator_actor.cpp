#include "actors/validator/validator_actor.hpp"

#include <spdlog/spdlog.h>
#include <caf/all.hpp>

#include <deque>
#include <optional>

#include "actors/validator/judge.hpp"
#include "actors/worker/coordinator_session.hpp"
#include "actors/worker/render_actor.hpp"
#include "actors/worker/renderer.hpp"
#include "runtime/link/link_atoms.hpp"
#include "runtime/link/remote_link.hpp"
#include "runtime/logging/log.hpp"
#include "runtime/protocol/atoms.hpp"
#include "runtime/protocol/inspect.hpp"

namespace seedgrid::validator {

namespace {

struct ValidatorState {
  ValidatorSetup setup;
  std::shared_ptr<spdlog::logger> log;
  std::unique_ptr<worker::CoordinatorSession> session;
  caf::actor link;  // to a remote coordinator
  caf::actor render;
  std::shared_ptr<std::atomic<std::uint64_t>> cancel_batch;
  std::deque<protocol::AuditTask> queue;
  std::optional<protocol::AuditTask> running;
  std::uint64_t next_batch = 1;
  std::uint64_t running_batch = 0;
  static inline const char* name = "seedgrid.validator";
};

using Self = caf::stateful_actor<ValidatorState>;

void start_next(Self* self) {
  auto& s = self->state;
  if (s.running || s.queue.empty() || !s.session->registered()) return;
  s.running = std::move(s.queue.front());
  s.queue.pop_front();
  s.running_batch = s.next_batch++;
  self->send(s.render, worker::render_atom::value, s.running_batch,
             std::vector<protocol::Job>{s.running->job});
}

caf::behavior validator(Self* self, ValidatorSetup setup, std::optional<caf::actor> local) {
  auto& s = self->state;
  s.setup = std::move(setup);
  s.log = logging::logger("validator");
  s.cancel_batch = std::make_shared<std::atomic<std::uint64_t>>(0);
  s.render = worker::spawn_render_actor(self->system(), s.setup.renderer, s.cancel_batch);
  self->link_to(s.render);
  protocol::Capabilities caps;
  caps.models = s.setup.renderer->model_ids();
  caps.task_types = s.setup.renderer->task_types();
  caps.device = s.setup.renderer->device();
  caps.determinism_class = s.setup.renderer->determinism_class();
  caps.max_batch = 1;
  caps.max_inflight = 64;
  caps.pixel_steps_per_second = s.setup.pixel_steps_per_second;
  caps.version = "seedgrid 0.1.0";
  s.session = std::make_unique<worker::CoordinatorSession>(
      protocol::Role::validator, *s.setup.identity, caps, s.setup.section.coordinator_key,
      s.setup.network, s.log);
  self->set_down_handler([self](const caf::down_msg& dm) {
    auto& st = self->state;
    if (!st.session->lost(dm)) return;
    st.queue.clear();
    if (st.running) st.cancel_batch->store(st.running_batch);
  });
  if (local) {
    self->send(self, link::link_up_atom::value, *local);
  } else {
    s.link = link::spawn_remote_link(self->system(), caf::actor_cast<caf::actor>(self),
                                     s.setup.section.coordinator, s.setup.network, "coordinator");
  }
  caf::message_handler main{
      [self](link::link_up_atom, const caf::actor& coordinator) {
        auto& st = self->state;
        st.queue.clear();
        if (st.running) st.cancel_batch->store(st.running_batch);
        st.session->connect(self, coordinator, [self] { start_next(self); });
      },
      [self](protocol::audit_atom, const protocol::AuditTask& task) {
        auto& st = self->state;
        if (!st.session->registered() || !st.session->from_coordinator(self)) return;
        if (!st.setup.renderer->serves(task.job.spec)) {
          st.log->warn("audit {}: model {} is not loaded here", task.audit_id,
                       task.job.spec.model_id);
          return;
        }
        st.queue.push_back(task);
        start_next(self);
      },
      [](protocol::progress_atom, const protocol::JobProgress&) {},
      [self](worker::rendered_atom, std::uint64_t batch_id,
             std::vector<protocol::JobResult>& results,
             std::vector<protocol::JobFailure>& failures) {
        auto& st = self->state;
        if (!st.running || batch_id != st.running_batch) return;
        protocol::AuditTask task = std::move(*st.running);
        st.running.reset();
        if (!results.empty() && st.session->registered()) {
          const Tolerance tolerance{st.setup.section.tolerance_mean_abs,
                                    st.setup.section.tolerance_max_abs};
          protocol::Verdict v = judge(task, results.front().pixels,
                                      st.setup.renderer->determinism_class(), tolerance);
          protocol::sign_verdict(v, *st.setup.identity);
          st.log->info("audit {} of worker {}: {} ({})", v.audit_id, v.worker.hex().substr(0, 12),
                       protocol::audit_outcome_name(v.outcome), v.detail);
          self->request(st.session->coordinator(), std::chrono::seconds(60),
                        protocol::verdict_atom::value, v)
              .then(
                  [self](const protocol::Reply& r) {
                    if (!r.ok()) self->state.log->warn("verdict refused: {}", r.reason);
                  },
                  [](caf::error&) {});
        } else if (!failures.empty()) {
          st.log->error("audit {}: could not re-render the job: {}", task.audit_id,
                        failures.front().reason);
        }
        start_next(self);
      },
  };
  return main.or_else(s.session->handlers(self));
}

}  // namespace

caf::actor spawn_validator(caf::actor_system& system, ValidatorSetup setup,
                           const caf::actor* local_coordinator) {
  std::optional<caf::actor> local;
  if (local_coordinator != nullptr) local = *local_coordinator;
  return system.spawn(validator, std::move(setup), std::move(local));
}

}  // namespace seedgrid::validator
