#include "actors/validator/validator_actor.hpp"

#include <spdlog/spdlog.h>
#include <caf/all.hpp>

#include <deque>
#include <optional>

#include "actors/rendering/renderer.hpp"
#include "actors/session/answer_timeouts.hpp"
#include "actors/session/coordinator_session.hpp"
#include "actors/session/job_input_fetch.hpp"
#include "actors/treasury/checkpoint_witness.hpp"
#include "actors/validator/audit_runner.hpp"
#include "actors/validator/validator_self.hpp"
#include "runtime/base/link/remote_link.hpp"
#include "runtime/base/logging/log.hpp"
#include "runtime/base/protocol/inspect.hpp"
#include "runtime/base/protocol/version.hpp"

namespace seedgrid::validator {

namespace {

// The coordinator relays an opening request to the worker under its own deadline
// (coordinator.audit.opening_timeout_ms) and answers with an error then; this only bounds a
// coordinator that never answers at all.
constexpr auto kOpeningAnswerTimeout = std::chrono::minutes(5);

using run_audit_atom = caf::atom_constant<caf::atom("runaudit")>;
using audited_atom = caf::atom_constant<caf::atom("audited")>;

verify::Thresholds thresholds_of(const config::ValidatorThresholds& t) {
  return {t.step_pass, t.step_fail, t.psnr_pass, t.psnr_fail, t.ssim_pass, t.ssim_fail};
}

// The audits run on their own thread, so a re-render never holds up the actor scheduler: the
// answer is the run's id and its verdict, unsigned.
using audit_loop_actor = caf::typed_actor<
    caf::replies_to<run_audit_atom, std::uint64_t, protocol::AuditTask,
                    protocol::Opening>::with<audited_atom, std::uint64_t, protocol::Verdict>>;

audit_loop_actor::behavior_type audit_loop(std::shared_ptr<const rendering::Renderer> renderer,
                                           verify::Thresholds thresholds) {
  return {
      [renderer, thresholds](run_audit_atom, std::uint64_t id, const protocol::AuditTask& task,
                             const protocol::Opening& opening) {
        // A model calibrated on its own (its folder's calibrated_thresholds.json) is judged by
        // its own thresholds; the configured ones were measured on other models.
        const auto own = renderer->calibrated_thresholds(task.job.spec.model_id);
        const auto* pipeline = renderer->pipeline(task.job.spec.model_id);
        const auto findings =
            task.job.spec.scripted()
                ? run_script_audit(renderer->script(task.job.spec.task_script).get(), pipeline,
                                   renderer->determinism_class(), task, opening,
                                   own ? *own : thresholds,
                                   renderer->input_images_of(task.job.spec))
                : run_audits(pipeline, task, opening, own ? *own : thresholds);
        return std::make_tuple(audited_atom::value, id,
                               verdict_of(task, findings, renderer->determinism_class()));
      },
  };
}

struct ValidatorState {
  ValidatorSetup setup;
  std::shared_ptr<spdlog::logger> log;
  std::unique_ptr<session::CoordinatorSession<validator_self_actor>> session;
  caf::actor link;  // to a remote coordinator
  audit_loop_actor runner;
  // Keeps the treasury's signed heads the coordinator passes on.
  treasury::checkpoint_witness_actor checkpoints;
  std::deque<protocol::AuditTask> queue;
  session::InputWaitlist<protocol::AuditTask> awaiting_input;
  std::optional<protocol::AuditTask> running;
  std::uint64_t next_run = 1;
  std::uint64_t running_id = 0;
  static inline const char* name = "seedgrid.validator";
};

using Self = validator_self_actor::stateful_pointer<ValidatorState>;

void start_next(Self self);

void run(Self self, const protocol::Opening& opening) {
  auto& s = self->state;
  const std::uint64_t run_id = s.running_id;
  self->request(s.runner, caf::infinite, run_audit_atom::value, run_id, *s.running, opening)
      .then(
          [self](audited_atom, std::uint64_t id, protocol::Verdict& v) {
            auto& st = self->state;
            if (!st.running || id != st.running_id) return;
            st.running.reset();
            if (st.setup.section.test_fault == "false_accuse") {
              v.outcome = protocol::AuditOutcome::fail;
              v.detail = "test fault 'false_accuse': " + v.detail;
            }
            if (st.session->registered()) {
              protocol::sign_verdict(v, *st.setup.identity);
              st.log->info("audit {} ({}) of worker {}: {} ({})", v.audit_id,
                           protocol::audit_purpose_name(v.purpose), v.worker.hex().substr(0, 12),
                           protocol::audit_outcome_name(v.outcome), v.detail);
              if (st.setup.verdict_record)
                if (auto recorded = st.setup.verdict_record->append(v); !recorded)
                  st.log->error("{}", recorded.error().message);
              self->request(st.session->coordinator(), session::kReportAnswerTimeout,
                            protocol::verdict_atom::value, v)
                  .then(
                      [self](const protocol::Reply& r) {
                        if (!r.ok()) self->state.log->warn("verdict refused: {}", r.reason);
                      },
                      // The coordinator's audit deadline hands the audit out again.
                      [self, id = v.audit_id](caf::error& err) {
                        self->state.log->warn("verdict {} not acknowledged: {}", id,
                                              self->system().render(err));
                      });
            }
            start_next(self);
          },
          [self, run_id](caf::error& err) {
            self->state.log->error("audit runner failed: {}", self->system().render(err));
            if (!self->state.running || self->state.running_id != run_id) return;
            self->state.running.reset();
            start_next(self);
          });
}

void start_next(Self self) {
  auto& s = self->state;
  if (s.running || s.queue.empty() || !s.session->registered()) return;
  s.running = std::move(s.queue.front());
  s.queue.pop_front();
  s.running_id = s.next_run++;
  const auto steps = openings_needed(*s.running);
  if (steps.empty() || !s.running->has_commitment) {
    run(self, protocol::Opening{});
    return;
  }
  // Step audits need the worker's openings, fetched through the coordinator (which enforces the
  // deadline and answers with an error when the worker does not).
  protocol::OpeningRequest req{s.running->audit_id, s.running->job.job_id, s.running->job.attempt,
                               steps};
  const std::uint64_t id = s.running_id;
  self->request(s.session->coordinator(), kOpeningAnswerTimeout, protocol::open_atom::value, req)
      .then(
          [self, id](const protocol::Opening& o) {
            if (self->state.running && self->state.running_id == id) run(self, o);
          },
          [self, id](caf::error& err) {
            if (!self->state.running || self->state.running_id != id) return;
            protocol::Opening none;
            none.error = "no opening: " + self->system().render(err);
            run(self, none);
          });
}

// What is queued or running was handed out by a coordinator session that is over. Its verdict
// would answer a hand-out the next session never made (and a step audit whose openings died with
// the link would be judged "no opening", a false accusation), so it is dropped; the coordinator
// hands the audit out again. The runner may still be busy with it: its answer no longer matches
// running_id and is ignored.
void abandon_audits(Self self) {
  auto& s = self->state;
  const std::size_t dropped =
      s.queue.size() + (s.running ? 1 : 0) + s.awaiting_input.take_all().size();
  s.queue.clear();
  s.running.reset();
  if (dropped > 0) s.log->info("dropped {} audit(s) of the lost coordinator", dropped);
}

// An audit is queued once the validator has the job's inputs (a scripted job's script and
// images), which it fetches first. One that does not arrive leaves its audits unaudited: the
// coordinator's deadline hands them out again.
void accept_audit(Self self, protocol::AuditTask task) {
  auto& st = self->state;
  if (auto need = session::missing_input(*st.setup.renderer, task.job.spec)) {
    const std::string id = *need;
    if (st.awaiting_input.wait(id, task))
      session::fetch_job_input(self, st.session->coordinator(), st.setup.renderer, task.job.spec,
                               id, [self, id](Result<void> loaded) {
                                 auto& s = self->state;
                                 auto tasks = s.awaiting_input.take(id);
                                 if (!loaded) return s.log->warn("{}", loaded.error().message);
                                 for (auto& t : tasks) accept_audit(self, std::move(t));
                               });
    return;
  }
  st.queue.push_back(std::move(task));
  start_next(self);
}

validator_self_actor::behavior_type validator(Self self, ValidatorSetup setup,
                                              std::optional<caf::actor> local) {
  auto& s = self->state;
  s.setup = std::move(setup);
  s.log = logging::logger("validator");
  s.runner = self->system().spawn<caf::detached>(audit_loop, s.setup.renderer,
                                                 thresholds_of(s.setup.section.thresholds));
  self->link_to(s.runner);
  s.checkpoints = treasury::spawn_checkpoint_witness(self->system(), s.setup.ledger_checkpoint_file,
                                                     "validator " + s.setup.name);
  self->link_to(s.checkpoints);
  protocol::Capabilities caps;
  caps.models = s.setup.renderer->model_ids();
  caps.task_types = s.setup.renderer->task_types();
  caps.device = s.setup.renderer->device();
  caps.determinism_class = s.setup.renderer->determinism_class();
  caps.max_batch = 1;
  caps.max_inflight = 64;
  caps.pixel_steps_per_second = s.setup.pixel_steps_per_second;
  caps.version = protocol::release();
  s.session = std::make_unique<session::CoordinatorSession<validator_self_actor>>(
      protocol::Role::validator, *s.setup.identity, s.setup.name, caps,
      s.setup.section.coordinator_key, s.setup.network, s.log);
  if (s.setup.section.test_fault != "none")
    s.log->warn("test fault '{}': this validator misjudges on purpose", s.setup.section.test_fault);
  self->set_down_handler([self](const caf::down_msg& dm) {
    auto& st = self->state;
    if (st.session->lost(dm)) abandon_audits(self);
  });
  if (local) {
    self->send(self, link::link_up_atom::value, *local);
  } else {
    s.link = link::spawn_remote_link(self->system(), caf::actor_cast<caf::actor>(self),
                                     s.setup.section.coordinator, s.setup.network, "coordinator",
                                     s.setup.section.coordinator_key);
  }
  return {
      [self](link::link_up_atom, const caf::actor& coordinator) {
        abandon_audits(self);
        // The boundary: the coordinator's handle, typed once.
        self->state.session->connect(self,
                                     caf::actor_cast<protocol::coordinator_actor>(coordinator),
                                     [self] { start_next(self); });
      },
      [self](session::retry_register_atom, std::uint64_t generation) {
        self->state.session->retry(self, generation);
      },
      [self](protocol::audit_atom, const protocol::AuditTask& task) {
        auto& st = self->state;
        if (!st.session->registered() || !st.session->from_coordinator(self)) return;
        if (!st.setup.renderer->serves(task.job.spec)) {
          st.log->warn("audit {}: model {} is not loaded here", task.audit_id,
                       task.job.spec.model_id);
          return;
        }
        accept_audit(self, task);
      },
      // Only from the coordinator's node (its checkpoint witness): another node could otherwise
      // pin a key of its own before the treasury's first checkpoint arrives.
      [self](protocol::checkpoint_atom a, const protocol::LedgerCheckpoint& c) {
        auto& st = self->state;
        const auto& sender = self->current_sender();
        if (!st.session->registered() || !sender ||
            sender->node() != st.session->coordinator().node())
          return;
        self->send(st.checkpoints, a, c);
      },
  };
}

}  // namespace

protocol::validator_actor spawn_validator(caf::actor_system& system, ValidatorSetup setup,
                                          const protocol::coordinator_actor* local_coordinator) {
  // The local coordinator comes in as a remote one does (link_up, untyped): one path for both.
  std::optional<caf::actor> local;
  if (local_coordinator != nullptr) local = caf::actor_cast<caf::actor>(*local_coordinator);
  return caf::actor_cast<protocol::validator_actor>(
      system.spawn(validator, std::move(setup), std::move(local)));
}

}  // namespace seedgrid::validator
