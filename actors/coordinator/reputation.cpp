#include "actors/coordinator/reputation.hpp"

#include <algorithm>

namespace seedgrid::coordinator {

Reputation::Reputation(const config::ReputationPolicy& policy)
    : policy_(policy), state_{policy.initial, policy.initial, policy.initial, policy.initial} {}

Reputation::Reputation(const config::ReputationPolicy& policy, const ReputationState& restored)
    : policy_(policy), state_(restored) {}

void Reputation::blend(double& average, double observation, double alpha) {
  average = (1.0 - alpha) * average + alpha * std::clamp(observation, 0.0, 1.0);
}

void Reputation::observe_success(double expected_ms, double actual_ms) {
  blend(state_.success, 1.0, policy_.alpha);
  // A job faster than expected is not extra credit: the score is capped at 1.
  const double ratio = actual_ms <= 0.0 ? 1.0 : expected_ms / actual_ms;
  blend(state_.latency, ratio, policy_.alpha);
}

void Reputation::observe_failure() { blend(state_.success, 0.0, policy_.alpha); }

void Reputation::observe_uptime(bool connected) {
  blend(state_.uptime, connected ? 1.0 : 0.0, policy_.alpha);
}

void Reputation::observe_audit(bool passed) {
  blend(state_.audit, passed ? 1.0 : 0.0, policy_.alpha);
}

double Reputation::score() const {
  return policy_.success_weight * state_.success + policy_.latency_weight * state_.latency +
         policy_.uptime_weight * state_.uptime + policy_.audit_weight * state_.audit;
}

}  // namespace seedgrid::coordinator
