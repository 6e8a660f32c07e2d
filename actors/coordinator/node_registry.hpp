#pragma once
// The workers and validators a coordinator knows: what each offers, whether it is connected,
// its reputation, what it is doing now and whether it is blacklisted. Keyed by node id (public
// key) in sorted order, so every walk over it is deterministic. A node that drops stays known
// (disconnected) so its reputation and blacklisting survive a reconnect.
//
// Routing must not cost a walk over the whole fleet per job, so the registry also keeps what
// routing searches, in node-id order like the nodes themselves: the workers with room (connected,
// not blacklisted, in flight < max_inflight), the validators, and model and task-type names
// interned to small integers at registration (a node's `serves` is then an integer compare, not
// a 64-character id compare). The room index is kept exact by the changes that go through the
// registry (connect, disconnect, assign, release, refresh after a blacklisting); routing still
// checks every candidate in full, so a node changed behind the registry's back (a test setting
// inflight directly) can only be an extra candidate that fails the check, never a lost one as
// long as it only loses eligibility that way.
#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

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
  // No job goes to it until it says it has room (on_room): it refused one as busy (worker_busy:
  // its slots held other coordinators' jobs), or it is homed at another coordinator of the pool
  // and has not offered this one a slot yet.
  bool full_elsewhere = false;
  Reputation reputation;
  std::map<std::string, std::uint64_t> inflight;  // job (or audit) id -> its work in pixel-steps
  std::uint64_t jobs_done = 0;
  std::uint64_t jobs_failed = 0;
  std::uint64_t audits_passed = 0;
  std::uint64_t audits_failed = 0;
  std::int64_t connected_since_ms = 0;
  std::int64_t connected_ms_before = 0;  // connected time of earlier sessions
  std::int64_t stake_checked_ms = 0;     // when its stake was last asked for (fast tier)
  // 1, or routing.foreign_worker_weight for a worker homed at another coordinator of its pool.
  double affinity = 1.0;

  // Interned ids of capabilities.models and .task_types (sorted), set at registration.
  std::vector<std::uint32_t> model_ids;
  std::vector<std::uint32_t> task_ids;

  std::uint64_t inflight_work() const;
  // "gpu-box-1 (3f2a9c01d4e5b6a7)" for log lines: the name a person set, the id that is true.
  std::string label() const;
  bool serves(const std::string& model_id, const std::string& task_type) const;
  // Inline: routing asks these of every candidate (a sorted list of one or two ids).
  bool serves(std::uint32_t model, std::uint32_t task) const {
    return has_model(model) && std::binary_search(task_ids.begin(), task_ids.end(), task);
  }
  bool has_model(std::uint32_t model) const {
    return std::binary_search(model_ids.begin(), model_ids.end(), model);
  }
  bool has_room() const { return !full_elsewhere && inflight.size() < capabilities.max_inflight; }
  protocol::NodeStatus status(std::int64_t now_ms) const;

  // Where the registry filed it last (refresh): its routing rate in the rate index (negative:
  // not there) and the free slots it adds to the room count.
  double indexed_rate = -1.0;
  std::uint64_t indexed_slots = 0;
  // Where it sits in the validators' load index, when it is there (a connected validator that is
  // not blacklisted).
  bool in_load_index = false;
  std::size_t indexed_load = 0;
  double indexed_reputation = 0.0;
};

// Several coordinators over one worker pool: what each owns is decided by the highest
// blake2b(item, coordinator) over `pool` (rendezvous hashing, so adding a coordinator moves only
// what it now wins); the index in `pool`, the first of equals. `item` is a request id (which
// coordinator serves it) or a worker's node id (its home, which the cores route by).
std::size_t owner_in_pool(std::string_view item, const std::vector<PublicKey>& pool);
inline std::size_t home_coordinator(const PublicKey& worker, const std::vector<PublicKey>& pool) {
  return owner_in_pool(worker.hex(), pool);
}

// A worker with room in the order routing prefers idle workers: the higher rate
// (reputation ^ weight x speed) first, then the smaller node id.
struct RatedWorker {
  double rate = 0.0;
  PublicKey key;
  const NodeEntry* entry = nullptr;
  bool operator<(const RatedWorker& o) const {
    if (rate != o.rate) return rate > o.rate;
    return key < o.key;
  }
};

// A validator that can take an audit, in the order pick_validator prefers: fewer audits in flight,
// then the higher reputation, then the smaller node id.
struct ReadyValidator {
  std::size_t load = 0;
  double reputation = 0.0;
  PublicKey key;
  const NodeEntry* entry = nullptr;
  bool operator<(const ReadyValidator& o) const {
    if (load != o.load) return load < o.load;
    if (reputation != o.reputation) return reputation > o.reputation;
    return key < o.key;
  }
};

class NodeRegistry {
 public:
  // reputation_weight: the routing policy's, which the rate index is ordered by.
  explicit NodeRegistry(const config::ReputationPolicy& policy,
                        double reputation_weight = config::RoutingPolicy{}.reputation_weight)
      : policy_(policy), reputation_weight_(reputation_weight) {}

  // A (re)registration: the node is connected with these capabilities from now on.
  NodeEntry& connect(const PublicKey& key, protocol::Role role,
                     const protocol::Capabilities& capabilities, bool fast_allowed,
                     std::int64_t now_ms);
  // Its link went down; returns the ids it had in flight (now cleared).
  std::vector<std::string> disconnect(const PublicKey& key, std::int64_t now_ms);
  // A node known from the journal of an earlier run: disconnected until it registers again.
  NodeEntry& restore(const PublicKey& key, protocol::Role role, const ReputationState& reputation);

  // This coordinator (`self`) shares its workers with `peers`: from now on a worker whose home
  // is a peer gets no job here until it offers a slot (on_room), and then rates `foreign_weight`
  // of its rate, so a coordinator fills its own workers first and others only when they are
  // idle at home. Called before any node connects.
  void share_pool(const PublicKey& self, std::vector<PublicKey> peers, double foreign_weight);

  // A job or audit handed to / taken back from a node; keeps the room index exact.
  void assign(NodeEntry& n, const std::string& id, std::uint64_t work);
  void release(NodeEntry& n, const std::string& id);
  // A worker's own word on its room (worker_busy, then room again); keeps the room index exact.
  void set_full_elsewhere(NodeEntry& n, bool full);
  // Re-reads whether the node belongs in the room index (after blacklisting or un-blacklisting).
  void refresh(NodeEntry& n);
  // What a node's work says about it. Through the registry, so the rate index follows: a
  // reputation changed behind its back that rises could be routed around (one that falls is
  // only visited early).
  void observe_success(NodeEntry& n, double expected_ms, double actual_ms);
  void observe_failure(NodeEntry& n);
  void observe_audit(NodeEntry& n, bool passed);
  void observe_uptime(NodeEntry& n);

  // The interned id of a model or task-type name; none when no node ever registered it (so no
  // node serves it).
  std::optional<std::uint32_t> name_id(const std::string& name) const;
  // Node-id order with the entry beside its key: a walk reads each candidate without a look-up
  // (at 10,000 workers the look-ups were a fifth of a simulated run).
  using Index = std::map<PublicKey, const NodeEntry*>;
  // Workers that may have room, in node-id order (exact unless changed behind the registry).
  const Index& workers_with_room() const { return with_room_; }
  // Every node that registered (or was restored) as a validator, in node-id order.
  const Index& validators() const { return validators_; }
  // The workers with room again, best rate first: a pick stops once no later one can win.
  const std::set<RatedWorker>& workers_by_rate() const { return by_rate_; }
  // Connected validators that are not blacklisted, least busy first: an audit's pick stops at
  // the first that has the model (a walk over every validator per audit was 4 % of a simulated
  // run at 10,000 workers).
  const std::set<ReadyValidator>& validators_by_load() const { return by_load_; }
  double reputation_weight() const { return reputation_weight_; }
  // Free slots (max_inflight - in flight) over the workers with room.
  std::uint64_t free_slots() const { return free_slots_; }
  // reputation ^ weight x speed: an idle worker's score times the job's expected work.
  double rate_of(const NodeEntry& n) const;

  NodeEntry* find(const PublicKey& key);
  const NodeEntry* find(const PublicKey& key) const;
  const std::map<PublicKey, NodeEntry>& nodes() const { return nodes_; }
  std::map<PublicKey, NodeEntry>& nodes() { return nodes_; }

 private:
  config::ReputationPolicy policy_;
  std::map<PublicKey, NodeEntry> nodes_;
  std::map<std::string, std::uint32_t> names_;  // model and task-type names -> interned id
  double reputation_weight_;
  Index with_room_;  // entries live in nodes_ (a std::map: they never move)
  Index validators_;
  std::set<RatedWorker> by_rate_;  // the same workers as with_room_
  std::set<ReadyValidator> by_load_;
  std::uint64_t free_slots_ = 0;
  std::vector<PublicKey> pool_;  // this coordinator first, then its peers; empty: none shares
  double foreign_weight_ = 1.0;

  bool homed_elsewhere(const PublicKey& worker) const;

  std::vector<std::uint32_t> intern(const std::vector<std::string>& names);
  void index_role(const NodeEntry& n);
};

}  // namespace seedgrid::coordinator
