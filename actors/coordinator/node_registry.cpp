#include "actors/coordinator/node_registry.hpp"

#include <algorithm>
#include <cmath>

#include "runtime/base/crypto/hash.hpp"

namespace seedgrid::coordinator {

std::uint64_t NodeEntry::inflight_work() const {
  std::uint64_t sum = 0;
  for (const auto& [id, work] : inflight) sum += work;
  return sum;
}

std::string NodeEntry::label() const {
  const std::string id = key.hex().substr(0, 16);
  return name.empty() ? id : name + " (" + id + ")";
}

bool NodeEntry::serves(const std::string& model_id, const std::string& task_type) const {
  const auto& m = capabilities.models;
  const auto& t = capabilities.task_types;
  return std::find(m.begin(), m.end(), model_id) != m.end() &&
         std::find(t.begin(), t.end(), task_type) != t.end();
}

protocol::NodeStatus NodeEntry::status(std::int64_t now_ms) const {
  protocol::NodeStatus s;
  s.node = key;
  s.name = name;
  s.role = role;
  s.capabilities = capabilities;
  s.connected = connected;
  s.blacklisted = blacklisted;
  s.fast_tier = fast_allowed;
  s.reputation = reputation.score();
  s.success_score = reputation.state().success;
  s.latency_score = reputation.state().latency;
  s.uptime_score = reputation.state().uptime;
  s.audit_score = reputation.state().audit;
  s.inflight = static_cast<std::uint32_t>(inflight.size());
  s.jobs_done = jobs_done;
  s.jobs_failed = jobs_failed;
  s.audits_passed = audits_passed;
  s.audits_failed = audits_failed;
  const std::int64_t current =
      connected ? std::max<std::int64_t>(0, now_ms - connected_since_ms) : 0;
  s.connected_seconds = static_cast<std::uint64_t>((connected_ms_before + current) / 1000);
  return s;
}

NodeEntry& NodeRegistry::connect(const PublicKey& key, protocol::Role role,
                                 const protocol::Capabilities& capabilities, bool fast_allowed,
                                 std::int64_t now_ms) {
  auto it = nodes_.find(key);
  if (it == nodes_.end()) it = nodes_.emplace(key, NodeEntry(key, Reputation(policy_))).first;
  NodeEntry& n = it->second;
  if (n.connected)
    n.connected_ms_before += std::max<std::int64_t>(0, now_ms - n.connected_since_ms);
  n.role = role;
  n.capabilities = capabilities;
  std::sort(n.capabilities.models.begin(), n.capabilities.models.end());
  std::sort(n.capabilities.task_types.begin(), n.capabilities.task_types.end());
  n.fast_allowed = fast_allowed;
  n.connected = true;
  n.connected_since_ms = now_ms;
  n.inflight.clear();
  const bool foreign = n.role == protocol::Role::worker && homed_elsewhere(key);
  n.affinity = foreign ? foreign_weight_ : 1.0;
  n.full_elsewhere = foreign;
  n.model_ids = intern(n.capabilities.models);
  n.task_ids = intern(n.capabilities.task_types);
  index_role(n);
  refresh(n);
  return n;
}

std::vector<std::string> NodeRegistry::disconnect(const PublicKey& key, std::int64_t now_ms) {
  std::vector<std::string> lost;
  auto it = nodes_.find(key);
  if (it == nodes_.end()) return lost;
  NodeEntry& n = it->second;
  if (n.connected)
    n.connected_ms_before += std::max<std::int64_t>(0, now_ms - n.connected_since_ms);
  n.connected = false;
  for (const auto& [id, work] : n.inflight) lost.push_back(id);
  n.inflight.clear();
  refresh(n);
  return lost;
}

NodeEntry& NodeRegistry::restore(const PublicKey& key, protocol::Role role,
                                 const ReputationState& reputation) {
  auto [it, inserted] = nodes_.emplace(key, NodeEntry(key, Reputation(policy_, reputation)));
  it->second.role = role;
  if (!inserted) it->second.reputation = Reputation(policy_, reputation);
  index_role(it->second);
  refresh(it->second);
  return it->second;
}

void NodeRegistry::share_pool(const PublicKey& self, std::vector<PublicKey> peers,
                              double foreign_weight) {
  pool_ = {self};
  pool_.insert(pool_.end(), peers.begin(), peers.end());
  foreign_weight_ = foreign_weight;
}

std::size_t owner_in_pool(std::string_view item, const std::vector<PublicKey>& pool) {
  std::size_t owner = 0;
  Digest best{};
  for (std::size_t c = 0; pool.size() > 1 && c < pool.size(); ++c) {
    const Digest weight = blake2b(std::string_view(std::string(item) + "/" + pool[c].hex()));
    if (c == 0 || best < weight) {
      best = weight;
      owner = c;
    }
  }
  return owner;
}

bool NodeRegistry::homed_elsewhere(const PublicKey& worker) const {
  return pool_.size() > 1 && home_coordinator(worker, pool_) != 0;
}

void NodeRegistry::assign(NodeEntry& n, const std::string& id, std::uint64_t work) {
  n.inflight[id] = work;
  refresh(n);
}

void NodeRegistry::release(NodeEntry& n, const std::string& id) {
  n.inflight.erase(id);
  refresh(n);
}

void NodeRegistry::set_full_elsewhere(NodeEntry& n, bool full) {
  n.full_elsewhere = full;
  refresh(n);
}

void NodeRegistry::refresh(NodeEntry& n) {
  if (n.indexed_rate >= 0.0) by_rate_.erase(RatedWorker{n.indexed_rate, n.key, &n});
  free_slots_ -= n.indexed_slots;
  n.indexed_rate = -1.0;
  n.indexed_slots = 0;
  if (n.role == protocol::Role::worker && n.connected && !n.blacklisted && n.has_room()) {
    with_room_.emplace(n.key, &n);
    n.indexed_rate = rate_of(n);
    by_rate_.insert(RatedWorker{n.indexed_rate, n.key, &n});
    n.indexed_slots = n.capabilities.max_inflight - n.inflight.size();
    free_slots_ += n.indexed_slots;
  } else {
    with_room_.erase(n.key);
  }
  if (n.in_load_index)
    by_load_.erase(ReadyValidator{n.indexed_load, n.indexed_reputation, n.key, &n});
  n.in_load_index = n.role == protocol::Role::validator && n.connected && !n.blacklisted;
  if (n.in_load_index) {
    n.indexed_load = n.inflight.size();
    n.indexed_reputation = n.reputation.score();
    by_load_.insert(ReadyValidator{n.indexed_load, n.indexed_reputation, n.key, &n});
  }
}

double NodeRegistry::rate_of(const NodeEntry& n) const {
  const std::uint64_t speed = n.capabilities.pixel_steps_per_second;
  return std::pow(std::max(n.reputation.score(), 1e-6), reputation_weight_) *
         (speed == 0 ? 1000.0 : double(speed)) * n.affinity;
}

void NodeRegistry::observe_success(NodeEntry& n, double expected_ms, double actual_ms) {
  n.reputation.observe_success(expected_ms, actual_ms);
  refresh(n);
}

void NodeRegistry::observe_failure(NodeEntry& n) {
  n.reputation.observe_failure();
  refresh(n);
}

void NodeRegistry::observe_audit(NodeEntry& n, bool passed) {
  n.reputation.observe_audit(passed);
  refresh(n);
}

void NodeRegistry::observe_uptime(NodeEntry& n) {
  n.reputation.observe_uptime(n.connected);
  refresh(n);
}

std::optional<std::uint32_t> NodeRegistry::name_id(const std::string& name) const {
  auto it = names_.find(name);
  if (it == names_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::uint32_t> NodeRegistry::intern(const std::vector<std::string>& names) {
  std::vector<std::uint32_t> ids;
  ids.reserve(names.size());
  for (const auto& name : names)
    ids.push_back(names_.emplace(name, static_cast<std::uint32_t>(names_.size())).first->second);
  std::sort(ids.begin(), ids.end());
  return ids;
}

void NodeRegistry::index_role(const NodeEntry& n) {
  if (n.role == protocol::Role::validator)
    validators_.emplace(n.key, &n);
  else
    validators_.erase(n.key);
}

NodeEntry* NodeRegistry::find(const PublicKey& key) {
  auto it = nodes_.find(key);
  return it == nodes_.end() ? nullptr : &it->second;
}

const NodeEntry* NodeRegistry::find(const PublicKey& key) const {
  auto it = nodes_.find(key);
  return it == nodes_.end() ? nullptr : &it->second;
}

}  // namespace seedgrid::coordinator
