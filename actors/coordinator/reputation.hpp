#pragma once
// A node's reputation: four exponentially weighted moving averages in [0, 1], each updated with
// weight `alpha` on every new observation, combined with the configured weights:
//   success  1 for a delivered job, 0 for a failure it caused (error, timeout, lost link)
//   latency  min(1, expected / actual): actual render time against its own advertised speed
//   uptime   1 or 0 per uptime sample (the coordinator samples every known node periodically)
//   audit    1 for a passed audit, 0 for a failed one
// A new node starts every average at `initial`. No clock is read here: callers observe.
#include <cstdint>

#include "config/node_config.hpp"

namespace seedgrid::coordinator {

struct ReputationState {
  double success = 0.5;
  double latency = 0.5;
  double uptime = 0.5;
  double audit = 0.5;
};

class Reputation {
 public:
  explicit Reputation(const config::ReputationPolicy& policy);
  Reputation(const config::ReputationPolicy& policy, const ReputationState& restored);

  void observe_success(double expected_ms, double actual_ms);
  void observe_failure();
  void observe_uptime(bool connected);
  void observe_audit(bool passed);

  double score() const;
  const ReputationState& state() const { return state_; }

 private:
  static void blend(double& average, double observation, double alpha);
  config::ReputationPolicy policy_;
  ReputationState state_;
};

}  // namespace seedgrid::coordinator
