#include "actors/worker/appeal_policy.hpp"

namespace seedgrid::worker {

std::optional<protocol::Appeal> AppealPolicy::appeal(const protocol::Verdict& verdict,
                                                     const Identity& identity) {
  if (!enabled_ || verdict.outcome != protocol::AuditOutcome::fail) return std::nullopt;
  if (!appealed_.insert(verdict.audit_id).second) return std::nullopt;
  protocol::Appeal a;
  a.audit_id = verdict.audit_id;
  a.reason = "the worker stands by its committed result (" + verdict.detail + ")";
  protocol::sign_appeal(a, identity);
  return a;
}

}  // namespace seedgrid::worker
