#include "actors/coordinator/audit_plan.hpp"

#include "runtime/base/verify/audits.hpp"

namespace seedgrid::coordinator {

namespace {

// A uniform draw in [0, 1) from the secret and the audit id (53 bits).
double keyed_draw(const Digest& secret, std::string_view audit_id, std::string_view purpose) {
  Blake2b h;
  h.update("seedgrid/audit-plan/v1").update(secret).update(purpose).update(audit_id);
  const Digest d = h.finish();
  std::uint64_t draw = 0;
  for (int i = 0; i < 8; ++i) draw |= std::uint64_t(d[i]) << (8 * i);
  return double(draw >> 11) / 9007199254740992.0;
}

}  // namespace

std::vector<protocol::AuditItem> full_audit_only() { return {verify::audit_item(verify::AuditKind::full)}; }

std::vector<protocol::AuditItem> plan_audits(const Digest& secret, std::string_view audit_id,
                                             std::uint32_t steps_run,
                                             const config::AuditPolicy& policy) {
  if (steps_run == 0) return full_audit_only();
  std::vector<protocol::AuditItem> plan{verify::audit_item(verify::AuditKind::noise)};
  if (policy.step_audits > 0) {
    Blake2b h;
    h.update("seedgrid/audit-steps-key/v1").update(secret);
    for (std::uint32_t t : verify::choose_audit_steps(h.finish(), audit_id, steps_run,
                                                      std::min(policy.step_audits, steps_run)))
      plan.push_back(verify::audit_item(verify::AuditKind::step, t));
  }
  plan.push_back(verify::audit_item(verify::AuditKind::decode, steps_run));
  if (keyed_draw(secret, audit_id, "full") < policy.full_rate)
    plan.push_back(verify::audit_item(verify::AuditKind::full));
  return plan;
}

}  // namespace seedgrid::coordinator
