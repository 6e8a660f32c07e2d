#pragma once
// Which audits a sampled result gets, decided after the worker committed and never sent to it:
// noise and decode always (cheap), a step audit of policy.step_audits steps drawn with
// verify::choose_audit_steps, and a full re-render with probability policy.full_rate. Every draw
// is a keyed hash under the coordinator's secret salt and the audit id, so a worker cannot predict
// it and a restarted coordinator draws the same plan.
#include <cstdint>
#include <string_view>
#include <vector>

#include "config/node_config.hpp"
#include "runtime/base/crypto/hash.hpp"
#include "runtime/base/protocol/audit.hpp"

namespace seedgrid::coordinator {

// steps_run: the committed leaf_count - 1. 0 (the instant task, or no commitment): full only.
std::vector<protocol::AuditItem> plan_audits(const Digest& secret, std::string_view audit_id,
                                             std::uint32_t steps_run,
                                             const config::AuditPolicy& policy);

// The same draws for a scripted job whose passes run these many steps each: noise and decode (the
// script replayed over the pass boundaries), step audits at leaves of the job's one tree drawn
// among all its steps (a pass's last leaf starts no step), and the full re-run at full_rate.
std::vector<protocol::AuditItem> plan_scripted_audits(const Digest& secret,
                                                      std::string_view audit_id,
                                                      const std::vector<std::uint32_t>& pass_steps,
                                                      const config::AuditPolicy& policy);

// A full re-render only: the referee for a grey result, an appeal, or a result whose commitment
// the coordinator no longer holds.
std::vector<protocol::AuditItem> full_audit_only();

}  // namespace seedgrid::coordinator
