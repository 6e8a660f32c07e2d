#include "actors/coordinator/audit_rate.hpp"

#include <algorithm>

namespace seedgrid::coordinator {

double deterrence_floor(const config::AuditPolicy& p) {
  if (p.compute_saved <= 0) return 0.0;
  const double at_risk = p.detection * double(p.stake_at_risk + p.job_reward);
  if (at_risk <= 0.0) return 1.0;  // nothing to lose: audit everything
  return std::min(1.0, double(p.compute_saved) / at_risk);
}

double audit_rate(const config::AuditPolicy& p, std::uint64_t results_delivered,
                  double reputation) {
  if (p.rate <= 0.0) return 0.0;  // audits switched off (benchmarks): nothing raises it
  double rate = std::max(p.rate, deterrence_floor(p));
  if (results_delivered < p.new_worker_results) rate = std::max(rate, p.new_worker_rate);
  if (reputation < p.low_reputation) rate = std::max(rate, p.low_reputation_rate);
  return std::clamp(rate, 0.0, std::max(p.rate, p.max_rate));
}

}  // namespace seedgrid::coordinator
