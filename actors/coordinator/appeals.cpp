// Appeals and penalties: a failed verdict's slash waits for the appeal window; the worker may
// appeal once, to a second validator that re-runs the failed audits and a full render. Its pass
// overturns the verdict (the accuser is slashed instead); anything else, or no answer, lets the
// verdict stand and the worker is slashed.
#include "actors/coordinator/audit_plan.hpp"
#include "actors/coordinator/core_state.hpp"
#include "actors/coordinator/router.hpp"
#include "runtime/base/verify/audits.hpp"

namespace seedgrid::coordinator {

using protocol::ErrorCode;
using protocol::LedgerOrder;
using protocol::LedgerOrderKind;
using protocol::refuse;
using protocol::Reply;

namespace {

// The first validator accused an honest worker: its reputation is cut and its stake slashed (the
// treasury's slash operation on the validator's account), with the bounty to the referee.
void slash_validator(CoreState& s, const PublicKey& validator, const PublicKey& referee,
                     const std::string& audit_id, Outbox& out) {
  if (NodeEntry* n = s.nodes.find(validator)) {
    ++n->audits_failed;
    s.nodes.observe_audit(*n, false);
    s.save_node(*n);
  }
  LedgerOrder o;
  o.kind = LedgerOrderKind::slash;
  o.key = "slash/appeal/" + audit_id;
  o.verdict_id = "appeal/" + audit_id;
  o.worker = validator_account(validator);
  o.validator = validator_account(referee);
  if (auto w = s.journal.put_slash(o); !w) s.record_fatal(w.error());
  place_order(s, std::move(o), out);
}

}  // namespace

void slash_worker(CoreState& s, const PendingPenalty& p, Outbox& out) {
  LedgerOrder o;
  o.kind = LedgerOrderKind::slash;
  o.key = "slash/" + p.audit_id;
  o.verdict_id = p.audit_id;
  o.worker = worker_account(p.worker);
  o.validator = validator_account(p.referee.value_or(p.validator));
  // One transaction: the pending penalty becomes a slash to apply, never both, never neither.
  if (auto w = s.journal.delete_penalty(p.audit_id); !w) s.record_fatal(w.error());
  if (auto w = s.journal.put_slash(o); !w) s.record_fatal(w.error());
  place_order(s, std::move(o), out);
}

Reply CoordinatorCore::on_appeal(const PublicKey& from, const protocol::Appeal& a,
                                 std::int64_t now_ms, Outbox& out) {
  CoreState& s = *state_;
  if (a.worker != from || !protocol::appeal_signature_valid(a))
    return refuse(ErrorCode::bad_signature,
                  "appeal of " + a.audit_id + " is not signed by " + from.hex().substr(0, 16));
  auto it = s.penalties.find(a.audit_id);
  if (it == s.penalties.end() || it->second.worker != from)
    return refuse(ErrorCode::mismatch,
                  "no failed verdict " + a.audit_id + " of this worker is open to appeal");
  PendingPenalty& p = it->second;
  if (p.appealed)
    return refuse(ErrorCode::mismatch, "verdict " + a.audit_id + " was appealed already");
  if (now_ms > p.deadline_ms)
    return refuse(ErrorCode::mismatch, "the appeal window of " + a.audit_id + " has closed");
  if (!pick_validator(s.nodes, p.job.spec.model_id, {p.validator, p.worker}, p.worker_class)) {
    // Nobody can hear it: the verdict stands.
    slash_worker(s, p, out);
    s.penalties.erase(it);
    return refuse(ErrorCode::mismatch, "no second validator can hear the appeal of " + a.audit_id +
                                           "; the verdict stands");
  }
  p.appealed = true;
  if (!send_appeal(s, p, now_ms, out))
    return refuse(ErrorCode::internal, "the coordinator lost the audited image");
  return {};
}

bool send_appeal(CoreState& s, PendingPenalty& p, std::int64_t now_ms, Outbox& out) {
  const auto referee =
      pick_validator(s.nodes, p.job.spec.model_id, {p.validator, p.worker}, p.worker_class);
  if (!referee) return false;  // tick lets the verdict stand when its deadline passes
  const NodeEntry* worker = s.nodes.find(p.worker);
  if (p.commitment && needs_openings(p.plan, p.job.spec.scripted()) && (worker == nullptr || !worker->connected) &&
      now_ms < p.deadline_ms)
    return false;  // resumed after a restart: the worker must be back to open its trajectory
  auto pixels = s.results.get(p.output_hash);
  if (!pixels) {
    s.record_fatal(pixels.error());
    return false;
  }
  p.referee = referee;
  p.deadline_ms = now_ms + s.options.policy.audit.timeout_ms;
  p.assignment = next_assignment(s);
  s.save_penalty(p, now_ms);
  protocol::AuditTask task;
  task.assignment = p.assignment;
  task.audit_id = p.audit_id;
  task.job = p.job;
  task.worker = p.worker;
  task.claimed_output_hash = p.output_hash;
  task.claimed_determinism_class = p.worker_class;
  task.claimed_pixels = std::move(*pixels);
  task.has_commitment = p.commitment.has_value();
  if (p.commitment) task.commitment = *p.commitment;
  // The audits that failed are run again, and the whole job is re-rendered.
  task.audits = p.commitment ? p.plan : std::vector<protocol::AuditItem>{};
  bool full = false;
  for (const auto& item : task.audits) full = full || verify::is_audit(item, verify::AuditKind::full);
  if (!full) task.audits.push_back(full_audit_only().front());
  task.purpose = protocol::AuditPurpose::appeal;
  s.nodes.assign(*s.nodes.find(*referee), task.audit_id, protocol::job_work(task.job.spec));
  out.add(SendAudit{*referee, std::move(task)});
  return true;
}

Reply on_appeal_verdict(CoreState& s, NodeEntry& validator, const protocol::Verdict& v,
                        std::int64_t now_ms, Outbox& out) {
  auto it = s.penalties.find(v.audit_id);
  if (it == s.penalties.end() || !it->second.appealed || it->second.referee != validator.key)
    return refuse(ErrorCode::mismatch, "verdict " + v.audit_id + " answers no appeal in progress");
  if (auto stale = check_assignment(v, it->second.assignment); !stale.ok()) return stale;
  PendingPenalty p = std::move(it->second);
  s.penalties.erase(it);
  s.nodes.release(validator, v.audit_id);
  ++validator.jobs_done;
  s.save_node(validator);
  NodeEntry* worker = s.nodes.find(p.worker);
  if (v.outcome != protocol::AuditOutcome::pass) {
    // Only a pass shows the worker right. A grey referee (of another class than the worker, when
    // the accuser was the only validator of its class) cannot outweigh the accuser's fail, which
    // is beyond what any honest render measured.
    slash_worker(s, p, out);
  } else {
    // The worker was right: its audit record is restored, the accuser pays.
    if (worker != nullptr) {
      if (worker->audits_failed > 0) --worker->audits_failed;
      ++worker->audits_passed;
      s.nodes.observe_audit(*worker, true);
      if (worker->blacklisted && worker->audits_failed < s.options.policy.audit.blacklist_after)
        worker->blacklisted = false;
      s.nodes.refresh(*worker);
      s.save_node(*worker);
    }
    if (auto w = s.journal.delete_penalty(p.audit_id); !w) s.record_fatal(w.error());
    slash_validator(s, p.validator, validator.key, v.audit_id, out);
  }
  dispatch(s, now_ms, out);
  return {};
}

void open_penalty(CoreState& s, const RequestState& r, const JobState& j,
                  const protocol::Verdict& v, std::int64_t now_ms, Outbox& out) {
  PendingPenalty p;
  p.audit_id = v.audit_id;
  p.worker = *j.worker;
  p.validator = v.validator;
  p.job = s.job_message(r, j);
  p.output_hash = j.output_hash;
  p.worker_class = j.determinism_class;
  if (j.audit.commitment) p.commitment = *j.audit.commitment;
  p.plan = j.audit.plan;
  if (s.options.policy.audit.appeals) {
    p.deadline_ms = now_ms + s.options.policy.audit.appeal_window_ms;
    p.notice = v;
    out.add(NotifyVerdict{p.worker, v});
    s.save_penalty(p, now_ms);
    if (auto w = s.journal.put_notice(v); !w) s.record_fatal(w.error());
    s.penalties[v.audit_id] = std::move(p);
  } else {
    slash_worker(s, p, out);
  }
}

void expire_penalties(CoreState& s, std::int64_t now_ms, Outbox& out) {
  for (auto it = s.penalties.begin(); it != s.penalties.end();) {
    if (now_ms <= it->second.deadline_ms) {
      ++it;
      continue;
    }
    if (it->second.referee)
      if (NodeEntry* v = s.nodes.find(*it->second.referee)) s.nodes.release(*v, it->first);
    slash_worker(s, it->second, out);
    it = s.penalties.erase(it);
  }
}

bool referee_lost(CoreState& s, const PublicKey& referee, const std::string& audit_id,
                  std::int64_t now_ms, Outbox& out) {
  auto p = s.penalties.find(audit_id);
  if (p == s.penalties.end() || !p->second.appealed || p->second.referee != referee) return false;
  p->second.referee.reset();  // another validator hears it, or the verdict stands at timeout
  send_appeal(s, p->second, now_ms, out);
  return true;
}

void resume_appeals(CoreState& s, const NodeEntry& n, std::int64_t now_ms, Outbox& out) {
  for (auto& [id, p] : s.penalties)
    if (p.appealed && !p.referee && (n.role == protocol::Role::validator || p.worker == n.key))
      send_appeal(s, p, now_ms, out);
  // Notices are not acknowledged: one sent while the worker was away, or lost with a restart,
  // would cost it its appeal. Told again at every registration inside the window (the worker
  // appeals an audit once, whatever it hears twice).
  if (n.role == protocol::Role::worker)
    for (const auto& [id, p] : s.penalties)
      if (p.worker == n.key && !p.appealed && p.notice && now_ms <= p.deadline_ms)
        out.add(NotifyVerdict{p.worker, *p.notice});
}

}  // namespace seedgrid::coordinator
