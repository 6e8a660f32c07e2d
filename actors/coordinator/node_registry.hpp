#pragma once
// The workers and validators a coordinator knows: what each offers, whether it is connected,
// its reputation, what it is doing now and whether it is blacklisted. Keyed by node id (public
// key) in sorted order, so every walk over it is deterministic. A node that drops stays known
// (disconnected) so its reputation and blacklisting survive a reconnect.
#include <cstdint>
#include <map>
#include <string>

#include "actors/coordinator/reputation.hpp"
#include "runtime/base/crypto/identity.hpp"
#include "runtime/base/protocol/registration.hpp"
#include "runtime/base/protocol/status.hpp"

namespace seedgrid::coordinator {

struct NodeEntry {
  NodeEntry(const PublicKey& node, Reputation initial) : key(node), reputation(initial) {}

  PublicKey key;
  std::string name;  // as signed in its registration; empty when known from the journal only
  protocol::Role role = protocol::Role::worker;
  protocol::Capabilities capabilities;
  bool connected = false;
  bool fast_allowed = false;
  bool blacklisted = false;
  Reputation reputation;
  std::map<std::string, std::uint64_t> inflight;  // job (or audit) id -> its work in pixel-steps
  std::uint64_t jobs_done = 0;
  std::uint64_t jobs_failed = 0;
  std::uint64_t audits_passed = 0;
  std::uint64_t audits_failed = 0;
  std::int64_t connected_since_ms = 0;
  std::int64_t connected_ms_before = 0;  // connected time of earlier sessions
  std::int64_t stake_checked_ms = 0;     // when its stake was last asked for (fast tier)

  std::uint64_t inflight_work() const;
  // "gpu-box-1 (3f2a9c01d4e5b6a7)" for log lines: the name a person set, the id that is true.
  std::string label() const;
  bool serves(const std::string& model_id, const std::string& task_type) const;
  protocol::NodeStatus status(std::int64_t now_ms) const;
};

class NodeRegistry {
 public:
  explicit NodeRegistry(const config::ReputationPolicy& policy) : policy_(policy) {}

  // A (re)registration: the node is connected with these capabilities from now on.
  NodeEntry& connect(const PublicKey& key, protocol::Role role,
                     const protocol::Capabilities& capabilities, bool fast_allowed,
                     std::int64_t now_ms);
  // Its link went down; returns the ids it had in flight (now cleared).
  std::vector<std::string> disconnect(const PublicKey& key, std::int64_t now_ms);
  // A node known from the journal of an earlier run: disconnected until it registers again.
  NodeEntry& restore(const PublicKey& key, protocol::Role role, const ReputationState& reputation);

  NodeEntry* find(const PublicKey& key);
  const NodeEntry* find(const PublicKey& key) const;
  const std::map<PublicKey, NodeEntry>& nodes() const { return nodes_; }
  std::map<PublicKey, NodeEntry>& nodes() { return nodes_; }

 private:
  config::ReputationPolicy policy_;
  std::map<PublicKey, NodeEntry> nodes_;
};

}  // namespace seedgrid::coordinator
