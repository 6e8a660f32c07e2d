#pragma once
// A running seedgrid node: one CAF actor system holding the roles its config lists (coordinator,
// treasury, workers, validators), each an actor; the coordinator (and a standalone treasury) is
// published on its configured address so other nodes reach it with remote_actor. A worker or
// validator in the coordinator's own node talks to it in-process, with the same messages.
//
// Start-up order: logging, identities (key files created with mode 0600 on first start), the
// treasury's ledger, the coordinator's journal (resuming what it holds), then workers and
// validators (models loaded and speed measured before they register). Any failure stops the start
// with an error naming the config path or file at fault.
#include <caf/fwd.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/node_config.hpp"
#include "runtime/base/protocol/interfaces/coordinator_interface.hpp"
#include "models/result.hpp"

namespace seedgrid::node {

// What one process runs: a node config, plus (for the embedded network of `seedgrid sim` and
// tests) extra workers and validators beside config.worker / config.validator.
struct NodePlan {
  config::NodeConfig config;
  std::vector<config::WorkerSection> extra_workers;
  std::vector<config::ValidatorSection> extra_validators;
  bool configure_logging =
      true;  // false when the caller already did (several nodes in one process)
};

class Node {
 public:
  static Result<std::unique_ptr<Node>> start(NodePlan plan);
  ~Node();  // stop()

  caf::actor_system& system();
  // The coordinator role's actor, or nullptr.
  const protocol::coordinator_actor* coordinator() const;
  // Ports the coordinator and a standalone treasury listen on (0: not published).
  std::uint16_t coordinator_port() const;
  std::uint16_t treasury_port() const;
  // True once a role actor stopped by itself (e.g. the coordinator could not write its journal).
  bool failed() const;
  // Stops every role (a running render stops at its next step) and waits for them.
  void stop();

  struct State;  // the actor system and role actors (node.cpp)

 private:
  explicit Node(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// What can be checked of a config without starting it: the treasury's economics against the
// ledger's keys, test faults against this build, and that model paths exist. Errors name the JSON
// path.
Result<void> check_config(const config::NodeConfig& config);

// `seedgrid node`: starts the node and runs until SIGINT or SIGTERM (exit 0) or until a role fails
// (exit 1). Errors go to standard error.
int run_until_signal(const config::NodeConfig& config);

}  // namespace seedgrid::node
