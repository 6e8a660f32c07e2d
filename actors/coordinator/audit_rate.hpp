#pragma once
// How often one worker's results are audited. The rate is the largest of
//   the base rate (policy.rate),
//   new_worker_rate while it has delivered fewer than new_worker_results results,
//   low_reputation_rate while its reputation score is below low_reputation,
//   the deterrence floor: the least r with r × detection × (stake_at_risk + job_reward) ≥
//   compute_saved, so cheating on a job costs more in expectation than it saves,
// clamped to max_rate. A base rate of 0 switches audits off altogether (benchmarks). Plain
// arithmetic, no state.
#include <cstdint>

#include "config/node_config.hpp"

namespace seedgrid::coordinator {

double deterrence_floor(const config::AuditPolicy& policy);
double audit_rate(const config::AuditPolicy& policy, std::uint64_t results_delivered,
                  double reputation);

}  // namespace seedgrid::coordinator
