// Scheduling: the queue (fast before relaxed, then by acceptance), dispatch to workers, each
// attempt's progress and failure, and the deadlines that re-queue or refund a job.
#include <algorithm>
#include <set>
#include <string>
#include <tuple>

#include "actors/coordinator/core_state.hpp"
#include "actors/coordinator/deadline.hpp"
#include "actors/coordinator/request_validator.hpp"
#include "actors/coordinator/router.hpp"

namespace seedgrid::coordinator {

using protocol::ErrorCode;
using protocol::EventKind;
using protocol::LedgerOrderKind;
using protocol::refuse;
using protocol::Reply;

namespace {

std::string ms_text(std::int64_t ms) { return std::to_string(ms) + " ms"; }

// Whether the job itself caused its failure: the coordinator's own check of the job against its
// model's limits (the definition the worker's pipeline applies) refuses it. The worker's word
// (job_invalid) is not enough: a worker cannot shed the blame for a job the model renders by
// calling it invalid. A job these limits refuse reaches a worker only when it was accepted under
// other limits (journaled before them). Ok: the worker's fault.
Reply request_caused(const CoreState& s, const RequestState& r, const JobState& j) {
  return validate_job_for_model(spec_of(r, j.index), s.options.catalog);
}

// A task script's own failure (its error, its budget, its memory cap) happens on every worker
// alike, but one worker's word is not enough: it could shed any job that way. The job goes to
// another worker; when that one reports the same failure, the job fails and is refunded and
// neither is blamed, after a validator confirms it when the job is sampled
// (script_failure_audit.cpp). A claim another worker contradicts by rendering the job costs its
// worker then (blame_unrepeated_claim).
void script_failed(CoreState& s, const PublicKey& from, RequestState& r, JobState& j,
                   const std::string& reason, std::int64_t now_ms, Outbox& out) {
  if (j.script_failure && j.script_failure->worker != from && j.script_failure->reason == reason) {
    script_failure_confirmed(s, r, j, reason, now_ms, out);
    return;
  }
  if (j.script_failure) blame_unrepeated_claim(s, j);  // two workers, two different failures
  j.script_failure = JobState::ScriptFailureClaim{from, reason};
  const std::string claim = "worker " + from.hex().substr(0, 12) +
                            " reports the task script failed (a second worker checks): ";
  fail_attempt(s, r, j, ErrorCode::worker_error, claim + reason, now_ms, out);
}

}  // namespace

void charge_failure(CoreState& s, NodeEntry* worker) {
  if (worker == nullptr) return;
  s.nodes.observe_failure(*worker);
  ++worker->jobs_failed;
  s.save_node(*worker);
}

void blame_unrepeated_claim(CoreState& s, JobState& j) {
  if (!j.script_failure) return;
  charge_failure(s, s.nodes.find(j.script_failure->worker));
  j.script_failure.reset();
}

void release_worker(CoreState& s, RequestState& r, JobState& j) {
  if (!j.worker) return;
  if (NodeEntry* n = s.nodes.find(*j.worker))
    s.nodes.release(*n, protocol::job_id_of(r.request.request_id, j.index));
}

void CoordinatorCore::on_started(const PublicKey& from, const protocol::JobStarted& started,
                                 std::int64_t now_ms, Outbox& out) {
  CoreState& s = *state_;
  auto [r, j] = s.find_job(started.job_id);
  if (j == nullptr || j->phase != JobPhase::assigned || j->worker != from ||
      j->attempt != started.attempt)
    return;
  s.set_phase(*r, *j, JobPhase::running, now_ms);
  j->batch = std::max<std::uint32_t>(1, started.batch_size);
  const NodeEntry* n = s.nodes.find(from);
  const std::uint64_t speed = n ? n->capabilities.pixel_steps_per_second : 0;
  j->deadline_ms =
      now_ms + job_deadline_ms(s.options.policy.deadlines,
                               protocol::job_work(spec_of(*r, j->index)), 0, j->batch, speed);
  out.add(TellClient{s.event(EventKind::started, *r, j)});
}

void CoordinatorCore::on_progress(const PublicKey& from, const protocol::JobProgress& progress,
                                  Outbox& out) {
  CoreState& s = *state_;
  auto [r, j] = s.find_job(progress.job_id);
  if (j == nullptr || !is_on_worker(j->phase) || j->worker != from ||
      j->attempt != progress.attempt)
    return;
  j->steps_done = std::min(progress.step, r->request.steps);
  auto e = s.event(EventKind::progress, *r, j);
  e.step = j->steps_done;
  e.steps = r->request.steps;
  out.add(TellClient{std::move(e)});
}

Reply CoordinatorCore::on_failure(const PublicKey& from, const protocol::JobFailure& failure,
                                  std::int64_t now_ms, Outbox& out) {
  return job_failed(*state_, from, failure, now_ms, out);
}

Reply job_failed(CoreState& s, const PublicKey& from, const protocol::JobFailure& failure,
                 std::int64_t now_ms, Outbox& out) {
  auto [r, j] = s.find_job(failure.job_id);
  if (j == nullptr || !is_on_worker(j->phase) || j->worker != from)
    release_settled_slot(s, from, failure.job_id, now_ms, out);
  if (j == nullptr) return refuse(ErrorCode::unknown_request, "no job '" + failure.job_id + "'");
  if (!is_on_worker(j->phase) || j->worker != from || j->attempt != failure.attempt)
    return refuse(ErrorCode::mismatch, "job " + failure.job_id + " attempt " +
                                           std::to_string(failure.attempt) +
                                           " is not assigned to this worker");
  release_worker(s, *r, *j);
  if (failure.code == ErrorCode::worker_busy && j->phase != JobPhase::cancelling) {
    // Its slots hold other coordinators' jobs: not a failure of anyone's, so no attempt is
    // counted and the worker is not excluded; it gets no job here until it reports room.
    if (NodeEntry* n = s.nodes.find(from)) s.nodes.set_full_elsewhere(*n, true);
    // Nor does it count toward the request's spread (max_workers_per_request) unless it has
    // worked on another of its jobs.
    if (std::none_of(r->jobs.begin(), r->jobs.end(),
                     [&](const JobState& o) { return &o != j && o.worker == from; }))
      r->workers.erase(from);
    s.set_phase(*r, *j, JobPhase::queued, now_ms);
    s.save(*r, *j);
  } else if (j->phase == JobPhase::cancelling && r->cancel_requested) {
    settle_cancelled(s, *r, *j, failure.steps_done, now_ms, out);
  } else if (failure.code == ErrorCode::task_script_failed && r->task &&
             !claim_was_disproved(*j, from)) {
    script_failed(s, from, *r, *j, failure.reason, now_ms, out);
  } else if (const Reply caused = request_caused(s, *r, *j); !caused.ok()) {
    // Any worker would fail it the same way: nobody is blamed and no other worker tries it.
    j->failures = std::max(j->failures, s.options.policy.retries.max_attempts - 1);
    fail_attempt(s, *r, *j, ErrorCode::job_invalid,
                 "the model cannot render this job: " + caused.reason, now_ms, out);
  } else {
    charge_failure(s, s.nodes.find(from));
    const std::string claim =
        failure.code == ErrorCode::job_invalid
            ? " (reported as invalid, but the job is within its model's limits)"
            : "";
    fail_attempt(
        s, *r, *j, ErrorCode::worker_error,
        "worker " + from.hex().substr(0, 12) + " could not render it: " + failure.reason + claim,
        now_ms, out);
  }
  dispatch(s, now_ms, out);
  return {};
}

void settle_cancelled(CoreState& s, RequestState& r, JobState& j, std::uint32_t steps_done,
                      std::int64_t now_ms, Outbox& out) {
  j.steps_done = std::min(steps_done, r.request.steps);
  if (j.steps_done > 0) {
    s.set_phase(r, j, JobPhase::paying_cancelled, now_ms);
    place_order(s, job_order(LedgerOrderKind::pay_cancelled, r, j), out);
    s.save(r, j);
  } else {
    fail_attempt(s, r, j, ErrorCode::cancelled, "cancelled by the client before its first step",
                 now_ms, out);
  }
}

void release_settled_slot(CoreState& s, const PublicKey& from, const std::string& job_id,
                          std::int64_t now_ms, Outbox& out) {
  NodeEntry* n = s.nodes.find(from);
  if (n == nullptr || !n->inflight.contains(job_id)) return;
  s.nodes.release(*n, job_id);
  s.held_slots.erase(job_id);
  dispatch(s, now_ms, out);
}

void release_held_slots(CoreState& s, std::int64_t now_ms) {
  for (auto it = s.held_slots.begin(); it != s.held_slots.end();) {
    if (now_ms < it->second.release_ms) {
      ++it;
      continue;
    }
    if (NodeEntry* n = s.nodes.find(it->second.worker); n && n->inflight.contains(it->first))
      s.nodes.release(*n, it->first);
    it = s.held_slots.erase(it);
  }
}

void fail_attempt(CoreState& s, RequestState& r, JobState& j, ErrorCode code, std::string reason,
                  std::int64_t now_ms, Outbox& out) {
  ++j.failures;
  if (j.worker && std::find(j.excluded.begin(), j.excluded.end(), *j.worker) == j.excluded.end())
    j.excluded.push_back(*j.worker);
  j.last_code = code;
  j.last_reason = std::move(reason);
  if (r.cancel_requested) {
    s.set_phase(r, j, JobPhase::cancelled, now_ms);
    auto e = s.event(EventKind::cancelled, r, &j);
    e.code = ErrorCode::cancelled;
    e.reason = "cancelled by the client";
    out.add(TellClient{std::move(e)});
    s.save(r, j);
    maybe_finish(s, r, out);
  } else if (j.failures >= s.options.policy.retries.max_attempts) {
    s.set_phase(r, j, JobPhase::refunding, now_ms);
    place_order(s, job_order(LedgerOrderKind::refund, r, j), out);
    s.save(r, j);
  } else {
    s.set_phase(r, j, JobPhase::queued, now_ms);
    auto e = s.event(EventKind::retry, r, &j);
    e.code = code;
    e.reason = j.last_reason;
    out.add(TellClient{std::move(e)});
    s.save(r, j);
  }
}

void dispatch(CoreState& s, std::int64_t now_ms, Outbox& out) {
  if (s.queued.empty()) return;
  std::uint64_t capacity = s.nodes.free_slots();
  if (capacity == 0) return;

  // Kinds of job (model, task, script, tier) that found no worker in this pass although the job
  // could take any: no capable worker has room, and room only shrinks while a pass assigns, so no
  // later job of that kind can be placed either. Without this, a pass behind a backlog of
  // requests that no free worker takes (fast jobs while only relaxed-only workers are idle) asked
  // the router for every one of them before it reached a job it could place.
  std::vector<bool> no_room(s.job_kinds.size());
  const std::uint32_t fan_out = s.options.policy.routing.max_workers_per_request;

  // In queue order; assigning a request's last queued job erases its entry, never the next one.
  for (auto place = s.queued.begin(); place != s.queued.end() && capacity > 0;) {
    const auto next = std::next(place);
    RequestState* r = place->second.request;
    const std::uint32_t kind = place->second.kind;
    if (r->phase != RequestPhase::active || r->cancel_requested || no_room[kind]) {
      place = next;
      continue;
    }
    const std::string& id = r->request.request_id;
    const std::vector<std::uint32_t> indices(place->second.jobs.begin(), place->second.jobs.end());
    place = next;
    for (std::uint32_t index : indices) {
      if (capacity == 0) return;
      JobState& j = r->jobs[index];
      const protocol::JobSpec spec = spec_of(*r, index);
      RouteQuery q{&spec, r->request.tier, &r->workers, &j.excluded};
      const std::optional<PublicKey> w = pick_worker(s.nodes, q, s.options.policy.routing);
      if (!w) {
        if (!j.excluded.empty()) continue;
        // Refused by the kind alone, not by this request's fan-out limit.
        if (r->workers.size() < fan_out) no_room[kind] = true;
        break;  // the rest of this request cannot be placed either
      }
      NodeEntry& n = *s.nodes.find(*w);
      const std::uint64_t work = protocol::job_work(spec);
      const std::uint64_t ahead = n.inflight_work();
      ++j.attempt;
      j.worker = *w;
      j.assigned_ms = now_ms;
      j.batch = 1;
      j.steps_done = 0;
      j.deadline_ms = now_ms + job_deadline_ms(s.options.policy.deadlines, work, ahead, 1,
                                               n.capabilities.pixel_steps_per_second);
      s.set_phase(*r, j, JobPhase::assigned, now_ms);
      r->workers.insert(*w);
      s.nodes.assign(n, protocol::job_id_of(id, index), work);
      --capacity;
      out.add(SendJob{*w, s.job_message(*r, j)});
      out.add(TellClient{s.event(EventKind::assigned, *r, &j)});
      // Not journaled: a restart re-queues every job that was on a worker, and the job leaves as
      // the commit starts, so a crash could always lose its assignment (restart_test.cpp); the
      // job's next write (its result, failure or cancel) records the attempt.
    }
  }
}

// Called for every job of every active request at every tick: nothing is built (no id, no spec)
// until a deadline has passed.
void expire_job(CoreState& s, RequestState& r, JobState& j, std::int64_t now_ms, Outbox& out,
                std::optional<bool>& capable) {
  const auto job_id = [&] { return protocol::job_id_of(r.request.request_id, j.index); };
  switch (j.phase) {
    case JobPhase::assigned:
    case JobPhase::running:
      if (now_ms >= j.deadline_ms) {
        release_worker(s, r, j);
        if (NodeEntry* n = s.nodes.find(*j.worker)) {
          s.nodes.observe_failure(*n);
          ++n->jobs_failed;
          s.save_node(*n);
        }
        out.add(CancelJob{*j.worker, job_id(), j.attempt});
        fail_attempt(s, r, j, ErrorCode::job_timeout,
                     "no result within " + ms_text(j.deadline_ms - j.assigned_ms), now_ms, out);
      }
      break;
    case JobPhase::cancelling:
      // No report in time (or the worker is gone): settle it as its report would have, with
      // the steps it last reported progress for.
      if (now_ms < j.deadline_ms) break;
      if (NodeEntry* n = s.nodes.find(*j.worker); n != nullptr && n->connected) {
        // Its worker is still inside the step it was cancelled in (a step can take minutes on
        // a CPU): the client is answered now, but the slot stays taken until the worker reports
        // the job (release_settled_slot), its link drops, or the time the whole job was given
        // has passed again (release_held_slots: by then the step is not slow, the worker is not
        // answering), so no job waits behind that step and times out against the worker.
        const std::int64_t budget =
            job_deadline_ms(s.options.policy.deadlines, protocol::job_work(spec_of(r, j.index)), 0,
                            j.batch, n->capabilities.pixel_steps_per_second);
        s.held_slots[job_id()] = {*j.worker, now_ms + budget};
        settle_cancelled(s, r, j, j.steps_done, now_ms, out);
      } else {
        job_failed(s, *j.worker, {job_id(), j.attempt, ErrorCode::cancelled, "", j.steps_done},
                   now_ms, out);
      }
      break;
    case JobPhase::auditing:
      audit_deadline(s, r, j, now_ms, out);
      break;
    case JobPhase::queued:
      if (now_ms - j.queued_since_ms < s.options.policy.deadlines.queue_ms) break;
      if (!capable) capable = any_capable_worker(s.nodes, spec_of(r, j.index), r.request.tier);
      if (!*capable) {
        j.failures = std::max(j.failures, s.options.policy.retries.max_attempts - 1);
        fail_attempt(s, r, j, ErrorCode::no_capable_worker,
                     "waited " + ms_text(s.options.policy.deadlines.queue_ms) + ": " +
                         no_capable_worker_reason(s.nodes, spec_of(r, j.index), r.request.tier),
                     now_ms, out);
      }
      break;
    default:
      break;
  }
}

void worker_lost(CoreState& s, NodeEntry& n, const std::vector<std::string>& job_ids,
                 std::int64_t now_ms, Outbox& out) {
  for (const auto& job_id : job_ids) {
    auto [r, j] = s.find_job(job_id);
    if (j == nullptr || !is_on_worker(j->phase) || j->worker != n.key) continue;
    if (j->phase == JobPhase::cancelling) {
      j->deadline_ms = now_ms;  // tick settles it with the steps it reported
      continue;
    }
    s.nodes.observe_failure(n);
    ++n.jobs_failed;
    fail_attempt(s, *r, *j, ErrorCode::worker_lost, "the worker's link went down", now_ms, out);
  }
}

}  // namespace seedgrid::coordinator
