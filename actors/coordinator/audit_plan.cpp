#include "actors/coordinator/audit_plan.hpp"

#include "runtime/base/verify/audits.hpp"

namespace seedgrid::coordinator {

namespace {

// A uniform draw in [0, 1) from the secret and the audit id (53 bits).
double keyed_draw(const Digest& secret, std::string_view audit_id, std::string_view purpose) {
  Blake2b h;
  h.update("seedgrid/audit-plan/v1").update(secret).update(purpose).update(audit_id);
  return double(first_word(h.finish()) >> 11) / 9007199254740992.0;
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

std::vector<protocol::AuditItem> plan_scripted_audits(const Digest& secret,
                                                      std::string_view audit_id,
                                                      const std::vector<std::uint32_t>& pass_steps,
                                                      const config::AuditPolicy& policy) {
  std::uint32_t steps = 0;
  for (std::uint32_t s : pass_steps) steps += s;
  std::vector<protocol::AuditItem> plan = plan_audits(secret, audit_id, steps, policy);
  if (steps == 0) return plan;
  // Step k of the job (over all its passes) is leaf k + p of the tree, p the passes before its
  // own: each pass has one leaf more than its steps.
  for (auto& item : plan) {
    if (verify::is_audit(item, verify::AuditKind::step)) {
      std::uint32_t before = 0, pass = 0;
      while (pass + 1 < pass_steps.size() && item.step >= before + pass_steps[pass])
        before += pass_steps[pass++];
      item.step += pass;
    } else if (verify::is_audit(item, verify::AuditKind::decode)) {
      item.step = steps + static_cast<std::uint32_t>(pass_steps.size()) - 1;  // the last leaf
    }
  }
  return plan;
}

}  // namespace seedgrid::coordinator
