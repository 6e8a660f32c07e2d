// A task script's own failure, claimed by two workers, checked by a validator when sampled: the
// issue's "a failure any worker reproduces refunds the user and never costs the worker reputation;
// a validator confirms it when sampled". The validator runs the script (AuditTask::claimed_failure)
// and upholds the claim only when it fails alike; two workers that claimed away a job the script
// renders are both charged the failure, and the job goes to another worker.
#include <algorithm>

#include "actors/coordinator/audit_plan.hpp"
#include "actors/coordinator/core_state.hpp"
#include "actors/coordinator/router.hpp"

namespace seedgrid::coordinator {

using protocol::ErrorCode;

namespace {

// Nobody else would render it: failed, refunded, and neither worker blamed.
void refund_failed_script(CoreState& s, RequestState& r, JobState& j, std::string why,
                          std::int64_t now_ms, Outbox& out) {
  j.script_failure.reset();
  j.audit.claimed_failure.clear();
  j.failures = std::max(j.failures, s.options.policy.retries.max_attempts - 1);
  fail_attempt(s, r, j, ErrorCode::task_script_failed, std::move(why), now_ms, out);
}

}  // namespace

void script_failure_confirmed(CoreState& s, RequestState& r, JobState& j, const std::string& reason,
                              std::int64_t now_ms, Outbox& out) {
  const std::string job_id = protocol::job_id_of(r.request.request_id, j.index);
  const NodeEntry* second = j.worker ? s.nodes.find(*j.worker) : nullptr;
  const double rate = second != nullptr ? s.audit_rate_of(*second) : s.options.policy.audit.rate;
  const bool checkable =
      pick_validator(s.nodes, r.request.model_id, std::vector<PublicKey>{}, "").has_value();
  if (!checkable || !s.sampler.sampled(job_id, j.attempt, rate)) {
    refund_failed_script(s, r, j, "the task script failed the same way on two workers: " + reason,
                         now_ms, out);
    return;
  }
  j.audit = JobAudit{};
  j.audit.claimed_failure = reason;
  j.audit.plan = full_audit_only();
  s.name_image(j, Digest{});  // no result: what a restart reads to re-queue the job
  j.trajectory_root = Digest{};
  s.set_phase(r, j, JobPhase::auditing, now_ms);
  j.deadline_ms = now_ms + s.options.policy.audit.timeout_ms;
  hand_out_audit(s, r, j, now_ms, out);
}

bool claim_was_disproved(const JobState& j, const PublicKey& worker) {
  return std::find(j.disproved_claimants.begin(), j.disproved_claimants.end(), worker) !=
         j.disproved_claimants.end();
}

void end_script_failure_audit(CoreState& s, RequestState& r, JobState& j, bool upheld,
                              const std::string& detail, std::int64_t now_ms, Outbox& out) {
  const std::string reason = j.audit.claimed_failure;
  j.audit.validator.reset();
  if (upheld) {
    j.audit.summary = "script failure confirmed";
    refund_failed_script(
        s, r, j, "the task script failed the same way on two workers (" + detail + "): " + reason,
        now_ms, out);
    return;
  }
  j.audit.summary = "script failure disproved";
  for (const std::optional<PublicKey>& claimant :
       {j.script_failure ? std::optional<PublicKey>(j.script_failure->worker) : std::nullopt,
        j.worker}) {
    if (!claimant) continue;
    charge_failure(s, s.nodes.find(*claimant));
    j.disproved_claimants.push_back(*claimant);
  }
  j.script_failure.reset();
  j.audit.claimed_failure.clear();
  fail_attempt(s, r, j, ErrorCode::worker_error,
               "two workers said the task script fails, but " + detail, now_ms, out);
}

}  // namespace seedgrid::coordinator
