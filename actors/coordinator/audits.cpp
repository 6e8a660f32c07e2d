// Audits: a result accepted and sampled (or not), its audit handed to a validator (again after a
// lost validator or a restart), a grey verdict escalated to a same-class referee, and a verdict
// judged. A failed verdict opens a penalty (appeals.cpp).
#include <algorithm>

#include "actors/coordinator/audit_plan.hpp"
#include "actors/coordinator/core_state.hpp"
#include "actors/coordinator/deadline.hpp"
#include "actors/coordinator/router.hpp"
#include "runtime/base/protocol/ids.hpp"
#include "runtime/base/verify/audits.hpp"

namespace seedgrid::coordinator {

using protocol::ErrorCode;
using protocol::refuse;
using protocol::Reply;

namespace {

void escalate(CoreState& s, RequestState& r, JobState& j, const PublicKey& grey_validator,
              std::int64_t now_ms, Outbox& out) {
  j.audit.purpose = protocol::AuditPurpose::referee;
  j.audit.plan = full_audit_only();
  j.audit.excluded.push_back(grey_validator);
  j.audit.validator.reset();
  j.deadline_ms = now_ms + s.options.policy.audit.timeout_ms;
  hand_out_audit(s, r, j, now_ms, out);
  if (j.phase == JobPhase::auditing && !j.audit.validator) {
    // Nobody else can referee: the grey validator re-renders in full itself.
    j.audit.excluded.pop_back();
    hand_out_audit(s, r, j, now_ms, out);
  }
  s.save_verification(r, j);
}

}  // namespace

bool needs_openings(const std::vector<protocol::AuditItem>& plan, bool scripted) {
  // A scripted job's noise and decode audits replay its script over the opened passes too.
  return std::any_of(plan.begin(), plan.end(), [scripted](const auto& item) {
    return verify::is_audit(item, verify::AuditKind::step) ||
           (scripted && !verify::is_audit(item, verify::AuditKind::full));
  });
}

Reply CoordinatorCore::on_result(const PublicKey& from, protocol::JobResult result,
                                 std::int64_t now_ms, Outbox& out,
                                 protocol::ResultIntegrity integrity) {
  CoreState& s = *state_;
  auto [r, j] = s.find_job(result.job_id);
  if (j == nullptr || !is_on_worker(j->phase) || j->worker != from)
    release_settled_slot(s, from, result.job_id, now_ms, out);
  if (j == nullptr) return refuse(ErrorCode::unknown_request, "no job '" + result.job_id + "'");
  if (!is_on_worker(j->phase) || j->worker != from || j->attempt != result.attempt)
    return refuse(ErrorCode::mismatch,
                  "result for " + result.job_id + " attempt " + std::to_string(result.attempt) +
                      " is stale: the job is " + std::string(job_phase_name(j->phase)) +
                      " at attempt " + std::to_string(j->attempt));
  NodeEntry* n = s.nodes.find(from);
  const Reply checked = protocol::check_result(result, from, s.job_message(*r, *j), integrity);
  release_worker(s, *r, *j);
  if (!checked.ok()) {
    charge_failure(s, n);
    fail_attempt(s, *r, *j, checked.code, checked.reason, now_ms, out);
    dispatch(s, now_ms, out);
    return checked;
  }
  // check_result established output_hash == hash(pixels) (here or in the actor's checkers).
  // The pixels move into the store: the result keeps none past here (an audit reads them back).
  if (auto stored =
          s.results.put(result.output_hash, std::move(result.pixels), /*hash_checked=*/true);
      !stored) {
    s.record_fatal(stored.error());
    return refuse(ErrorCode::internal, "the coordinator could not store the result");
  }
  blame_unrepeated_claim(s, *j);
  if (n != nullptr) {
    ++n->jobs_done;
    const std::uint64_t work = protocol::job_work(spec_of(*r, j->index));
    s.nodes.observe_success(
        *n, expected_ms(work * j->batch, n->capabilities.pixel_steps_per_second),
        double(now_ms - j->assigned_ms));
    s.save_node(*n);
  }
  s.name_image(*j, result.output_hash);
  j->trajectory_root = result.trajectory_root;
  j->determinism_class = result.determinism_class;
  j->render_ms = result.render_ms;
  j->steps_done = r->request.steps;
  j->audit.validator.reset();
  j->audit.commitment =
      std::make_shared<const protocol::JobResult>(protocol::without_pixels(result));
  // audit_excluded is kept: a re-run is audited by someone else
  j->audit.purpose = protocol::AuditPurpose::sampled;
  const double rate = n != nullptr ? s.audit_rate_of(*n) : s.options.policy.audit.rate;
  if (s.sampler.sampled(result.job_id, result.attempt, rate)) {
    // The full audit alone for the instant task (no latents).
    const std::string audit_id = protocol::audit_id_of(result.job_id, result.attempt);
    if (r->task.has_value()) {
      std::vector<std::uint32_t> pass_steps;
      for (const auto& pass : r->task->passes) pass_steps.push_back(pass.steps);
      j->audit.plan =
          plan_scripted_audits(s.sampler.salt(), audit_id, pass_steps, s.options.policy.audit);
    } else {
      j->audit.plan = plan_audits(s.sampler.salt(), audit_id,
                                  result.leaf_count <= 1 ? 0 : result.leaf_count - 1,
                                  s.options.policy.audit);
    }
    s.save_verification(*r, *j);
    hand_out_audit(s, *r, *j, now_ms, out);
  } else {
    j->audit.summary = "not sampled";
    j->audit.plan.clear();
    s.save_verification(*r, *j);
    start_settlement(s, *r, *j, out);
  }
  dispatch(s, now_ms, out);
  return {};
}

void hand_out_audit(CoreState& s, RequestState& r, JobState& j, std::int64_t now_ms, Outbox& out) {
  const std::string job_id = protocol::job_id_of(r.request.request_id, j.index);
  std::vector<PublicKey> exclude = j.audit.excluded;
  if (j.worker) exclude.push_back(*j.worker);
  // The worker's own class compares bytes, no tolerance: a referee insists on it; a sampled audit
  // prefers it while that validator is not much busier than another.
  const auto& policy = s.options.policy.audit;
  const bool referee = j.audit.purpose == protocol::AuditPurpose::referee;
  const std::string preferred =
      referee || policy.same_class_first ? j.determinism_class : std::string();
  std::optional<PublicKey> validator =
      pick_validator(s.nodes, r.request.model_id, exclude, preferred,
                     referee ? SIZE_MAX : std::size_t{policy.same_class_slack});
  if (!validator && exclude.size() > 1 && !referee)
    // Only validators that judged this job before are left: better one of them than none.
    validator = pick_validator(s.nodes, r.request.model_id, {j.worker.value_or(PublicKey{})}, "");
  if (!validator && referee && j.audit.excluded.size() > 1) {
    // Only a referee of the worker's class proves anything. One that judged an earlier attempt
    // of this job has not judged this result: better it than the grey validator re-rendering in
    // a class that cannot decide (escalate), which would deliver a cheat as "grey, not proven".
    const std::optional<PublicKey> earlier = pick_validator(
        s.nodes, r.request.model_id, {j.worker.value_or(PublicKey{}), j.audit.excluded.back()},
        preferred, SIZE_MAX);
    const NodeEntry* n = earlier ? s.nodes.find(*earlier) : nullptr;
    if (n != nullptr && n->capabilities.determinism_class == j.determinism_class)
      validator = earlier;
  }
  if (!validator) {
    if (j.phase == JobPhase::auditing && now_ms < j.deadline_ms) return;  // wait for one
    if (!j.audit.claimed_failure.empty())
      return end_script_failure_audit(s, r, j, true, "no validator came to check it", now_ms, out);
    j.audit.summary = "no validator";
    start_settlement(s, r, j, out);
    return;
  }
  // A resumed audit (a restart drops every link) waits for its worker to register again before
  // asking it for openings, until the deadline; after that the worker fails it for no opening.
  const NodeEntry* worker = j.worker ? s.nodes.find(*j.worker) : nullptr;
  if (j.audit.commitment && needs_openings(j.audit.plan, r.task.has_value()) &&
      (worker == nullptr || !worker->connected) && j.phase == JobPhase::auditing &&
      now_ms < j.deadline_ms)
    return;
  std::vector<std::uint8_t> pixels;  // none for a claimed script failure: there is no result
  if (j.audit.claimed_failure.empty()) {
    auto read = s.results.get(j.output_hash);
    if (!read) {
      s.record_fatal(read.error());
      return;
    }
    pixels = std::move(*read);
  }
  if (j.phase != JobPhase::auditing) s.set_phase(r, j, JobPhase::auditing, now_ms);
  j.deadline_ms = now_ms + s.options.policy.audit.timeout_ms;  // the validator's time runs from now
  j.audit.validator = validator;
  j.audit.assignment = next_assignment(s);
  protocol::AuditTask task;
  task.assignment = j.audit.assignment;
  task.job = s.job_message(r, j);
  task.audit_id = protocol::audit_id_of(job_id, j.attempt);
  task.worker = *j.worker;
  task.claimed_output_hash = j.output_hash;
  task.claimed_determinism_class = j.determinism_class;
  task.claimed_pixels = std::move(pixels);
  task.has_commitment = j.audit.commitment != nullptr;
  if (j.audit.commitment) {
    task.commitment = *j.audit.commitment;
  } else {
    // Resumed after a restart: only the journaled root is known (enough for a full audit).
    task.commitment.trajectory_root = j.trajectory_root;
    task.commitment.leaf_count = r.request.steps + 1;
  }
  task.audits = j.audit.commitment && !j.audit.plan.empty() ? j.audit.plan : full_audit_only();
  task.purpose = j.audit.purpose;
  task.claimed_failure = j.audit.claimed_failure;
  s.nodes.assign(*s.nodes.find(*validator), task.audit_id, protocol::job_work(task.job.spec));
  out.add(SendAudit{*validator, std::move(task)});
  s.save(r, j);
}

Reply CoordinatorCore::on_verdict(const PublicKey& from, const protocol::Verdict& v,
                                  std::int64_t now_ms, Outbox& out) {
  CoreState& s = *state_;
  NodeEntry* validator = s.nodes.find(from);
  if (validator == nullptr || validator->role != protocol::Role::validator)
    return refuse(ErrorCode::role_refused, "verdicts are accepted from registered validators only");
  if (v.validator != from || !protocol::verdict_signature_valid(v))
    return refuse(ErrorCode::bad_signature,
                  "verdict " + v.audit_id + " is not signed by validator " + from.hex());
  if (v.purpose == protocol::AuditPurpose::appeal)
    return on_appeal_verdict(s, *validator, v, now_ms, out);
  auto [r, j] = s.find_job(v.job_id);
  if (j == nullptr || j->phase != JobPhase::auditing || j->attempt != v.attempt ||
      j->audit.validator != from)
    return refuse(ErrorCode::mismatch, "verdict " + v.audit_id + " answers no audit in progress");
  if (v.claimed_output_hash != j->output_hash || !j->worker || v.worker != *j->worker ||
      v.spec_hash != protocol::spec_hash(spec_of(*r, j->index)))
    return refuse(ErrorCode::mismatch,
                  "verdict " + v.audit_id + " is about a different result than the one audited");
  if (auto stale = check_assignment(v, j->audit.assignment); !stale.ok()) return stale;
  s.nodes.release(*validator, v.audit_id);
  ++validator->jobs_done;
  s.save_node(*validator);
  if (!j->audit.claimed_failure.empty()) {
    // Grey (the validator could not run the script here) proves nothing against the workers.
    const std::string who = "validator " + from.hex().substr(0, 12);
    end_script_failure_audit(
        s, *r, *j, v.outcome != protocol::AuditOutcome::fail,
        v.outcome == protocol::AuditOutcome::pass   ? "confirmed by " + who
        : v.outcome == protocol::AuditOutcome::grey ? who + " could not check it: " + v.detail
                                                    : who + " found otherwise: " + v.detail,
        now_ms, out);
    dispatch(s, now_ms, out);
    return {};
  }
  NodeEntry* worker = s.nodes.find(*j->worker);
  if (v.outcome == protocol::AuditOutcome::grey &&
      j->audit.purpose != protocol::AuditPurpose::referee) {
    escalate(s, *r, *j, from, now_ms, out);
  } else if (v.outcome != protocol::AuditOutcome::fail) {
    // A referee that is still grey (no validator of the worker's class): nothing proves a cheat,
    // and nothing is slashed without proof.
    j->audit.summary = v.outcome == protocol::AuditOutcome::pass ? "passed" : "grey, not proven";
    if (worker != nullptr) {
      ++worker->audits_passed;
      s.nodes.observe_audit(*worker, true);
      s.save_node(*worker);
    }
    start_settlement(s, *r, *j, out);
  } else {
    j->audit.summary = "failed";
    j->audit.excluded.push_back(from);  // the re-run is audited by another validator if any
    s.save_verification(*r, *j);
    open_penalty(s, *r, *j, v, now_ms, out);
    fail_attempt(s, *r, *j, ErrorCode::audit_failed,
                 "validator " + from.hex().substr(0, 12) + " audited the result and disagrees (" +
                     v.detail + ")",
                 now_ms, out);
    if (worker != nullptr) {
      ++worker->audits_failed;
      s.nodes.observe_audit(*worker, false);
      s.save_node(*worker);
      if (!worker->blacklisted && worker->audits_failed >= s.options.policy.audit.blacklist_after)
        blacklist(s, *worker, now_ms, out);
    }
  }
  dispatch(s, now_ms, out);
  return {};
}

std::uint64_t next_assignment(CoreState& s) {
  // The run in the high half: a restarted coordinator hands out tokens no earlier run did.
  return (s.run << 32) | (++s.hand_outs & 0xffff'ffffULL);
}

Reply check_assignment(const protocol::Verdict& v, std::uint64_t in_progress) {
  if (v.assignment == in_progress) return {};
  return refuse(ErrorCode::mismatch,
                "verdict " + v.audit_id + " answers an earlier hand-out of the audit (assignment " +
                    std::to_string(v.assignment) + ", in progress " + std::to_string(in_progress) +
                    "): it was computed before a lost link or a restart, and is not applied");
}

Result<PublicKey> CoordinatorCore::opening_target(const PublicKey& validator,
                                                  const protocol::OpeningRequest& req) const {
  const CoreState& s = *state_;
  const std::string audit_id = protocol::audit_id_of(req.job_id, req.attempt);
  if (req.audit_id != audit_id)
    return fail("opening request names audit ", req.audit_id, " but job ", req.job_id, " attempt ",
                req.attempt);
  if (auto it = s.penalties.find(audit_id);
      it != s.penalties.end() && it->second.appealed && it->second.referee == validator)
    return it->second.worker;
  const auto id = protocol::JobId::parse(req.job_id);
  const auto r = id ? s.requests.find(id->request_id) : s.requests.end();
  if (r != s.requests.end() && id->index < r->second.jobs.size()) {
    const JobState& j = r->second.jobs[id->index];
    if (j.phase == JobPhase::auditing && j.attempt == req.attempt &&
        j.audit.validator == validator && j.worker)
      return *j.worker;
  }
  return fail("validator ", validator.hex().substr(0, 16), " runs no audit ", audit_id);
}

void audit_deadline(CoreState& s, RequestState& r, JobState& j, std::int64_t now_ms, Outbox& out) {
  if (!j.audit.validator) {
    hand_out_audit(s, r, j, now_ms, out);
  } else if (now_ms >= j.deadline_ms) {
    if (NodeEntry* v = s.nodes.find(*j.audit.validator))
      s.nodes.release(*v, protocol::audit_id_of(protocol::job_id_of(r.request.request_id, j.index),
                                                j.attempt));
    if (!j.audit.claimed_failure.empty())
      return end_script_failure_audit(s, r, j, true, "no verdict in time", now_ms, out);
    j.audit.summary = "timed out";
    start_settlement(s, r, j, out);
  }
}

void validator_lost(CoreState& s, const PublicKey& validator,
                    const std::vector<std::string>& audit_ids, std::int64_t now_ms, Outbox& out) {
  for (const auto& audit_id : audit_ids) {
    if (referee_lost(s, validator, audit_id, now_ms, out)) continue;
    const auto id = protocol::AuditId::parse(audit_id);
    auto [r, j] = s.find_job(id ? id->job_id : std::string());
    if (j == nullptr || j->phase != JobPhase::auditing || j->audit.validator != validator) continue;
    j->audit.validator.reset();
    hand_out_audit(s, *r, *j, now_ms, out);
  }
}

}  // namespace seedgrid::coordinator
