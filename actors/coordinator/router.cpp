#include "actors/coordinator/router.hpp"

#include <algorithm>
#include <cmath>


namespace seedgrid::coordinator {

namespace {

// Names interned by the registry; none when no node ever registered the model or task type.
struct JobKind {
  std::uint32_t model = 0;
  std::uint32_t task = 0;
};

std::optional<JobKind> kind_of(const NodeRegistry& nodes, const protocol::JobSpec& spec) {
  const auto model = nodes.name_id(spec.model_id);
  // A scripted task type is served by every worker that runs scripts (it fetches the script).
  const auto task =
      nodes.name_id(spec.scripted() ? std::string(protocol::kTaskScripts) : spec.task_type);
  if (!model || !task) return std::nullopt;
  return JobKind{*model, *task};
}

bool capable(const NodeEntry& n, const JobKind& kind, protocol::Tier tier) {
  if (n.role != protocol::Role::worker || !n.connected || n.blacklisted) return false;
  if (!n.serves(kind.model, kind.task)) return false;
  if (tier == protocol::Tier::fast) return n.capabilities.serves_fast && n.fast_allowed;
  return n.capabilities.serves_relaxed;
}

}  // namespace

bool any_capable_worker(const NodeRegistry& nodes, const protocol::JobSpec& spec,
                        protocol::Tier tier) {
  const auto kind = kind_of(nodes, spec);
  return kind && std::any_of(nodes.nodes().begin(), nodes.nodes().end(),
                             [&](const auto& kv) { return capable(kv.second, *kind, tier); });
}

std::string no_capable_worker_reason(const NodeRegistry& nodes, const protocol::JobSpec& spec,
                                     protocol::Tier tier) {
  const bool fast = tier == protocol::Tier::fast;
  const protocol::Tier other = fast ? protocol::Tier::relaxed : protocol::Tier::fast;
  std::size_t in_other = 0;
  const NodeEntry* unstaked = nullptr;  // a worker that asks for fast but has no stake approval
  if (const auto kind = kind_of(nodes, spec)) {
    for (const auto& [key, n] : nodes.nodes()) {
      if (capable(n, *kind, other)) ++in_other;
      if (fast && unstaked == nullptr && n.role == protocol::Role::worker && n.connected &&
          !n.blacklisted && n.serves(kind->model, kind->task) && n.capabilities.serves_fast &&
          !n.fast_allowed)
        unstaked = &n;
    }
  }
  std::string why = "no registered worker serves model " + spec.model_id + " (" + spec.task_type +
                    ") in the " + std::string(protocol::tier_name(tier)) + " tier right now";
  if (in_other > 0)
    why += "; " + std::to_string(in_other) + " worker" + (in_other == 1 ? " serves" : "s serve") +
           " it in the " + std::string(protocol::tier_name(other)) +
           " tier: ask for that tier (`seedgrid generate --tier " +
           std::string(protocol::tier_name(other)) + "`)";
  if (unstaked != nullptr)
    why +=
        ". A worker serves the fast tier once the treasury's minimum stake (economics key "
        "min_stake_fast, 1000 tokens by default) is bonded to it, e.g. on the treasury: "
        "`seedgrid ledger stake --db LEDGER --key TREASURY_KEY --worker worker:" +
        unstaked->key.hex() +
        " --amount 1000`; tokens come from epoch rewards (`seedgrid ledger epoch`) or a "
        "`seedgrid ledger transfer`";
  if (in_other == 0 && unstaked == nullptr)
    why += ": start a worker that loads this model (`seedgrid status` lists the nodes connected)";
  return why;
}

std::optional<PublicKey> pick_worker(const NodeRegistry& nodes, const RouteQuery& q,
                                     const config::RoutingPolicy& policy) {
  const auto& spec = *q.spec;
  const auto kind = kind_of(nodes, spec);
  if (!kind) return std::nullopt;
  const bool request_full =
      q.request_workers != nullptr && q.request_workers->size() >= policy.max_workers_per_request;
  auto is_excluded = [&](const PublicKey& k) {
    return q.excluded != nullptr &&
           std::find(q.excluded->begin(), q.excluded->end(), k) != q.excluded->end();
  };
  // Avoid workers that failed this job while some other capable worker exists (busy or not).
  // Only asked when a failed worker has room, and then the first such other worker answers it.
  std::optional<bool> other_exists;
  auto other_capable_exists = [&] {
    if (!other_exists)
      other_exists = std::any_of(nodes.nodes().begin(), nodes.nodes().end(), [&](const auto& kv) {
        return capable(kv.second, *kind, q.tier) && !is_excluded(kv.first);
      });
    return *other_exists;
  };

  // Only workers with room can win: walk those (or the request's own workers when it may use no
  // others and they are fewer), in node-id order either way, so the first of equals still wins.
  const NodeRegistry::Index& with_room = nodes.workers_with_room();
  const bool walk_request = request_full && q.request_workers->size() < with_room.size();

  std::optional<PublicKey> best;
  double best_score = -1.0;
  double best_rate = 0.0;
  const std::uint64_t work = protocol::job_work(spec);
  // score = reputation ^ weight / max(1 ms, expected finish) = rate / max(speed, 1000 x work
  // ahead and own): the rate (reputation ^ weight x speed) is what the registry orders by.
  auto consider = [&](const PublicKey& key, const NodeEntry& n) {
    if (!capable(n, *kind, q.tier)) return;
    if (!n.has_room()) return;
    if (request_full && !walk_request && !q.request_workers->contains(key)) return;
    if (is_excluded(key) && other_capable_exists()) return;
    const std::uint64_t pps = n.capabilities.pixel_steps_per_second;
    const double speed = pps == 0 ? 1000.0 : double(pps);
    const double rate = nodes.rate_of(n);
    const double score = rate / std::max(speed, 1000.0 * double(n.inflight_work() + work));
    // Equal scores: the higher rate (the faster or more trusted worker), then the smaller id.
    if (score > best_score ||
        (score == best_score && (rate > best_rate || (rate == best_rate && key < *best)))) {
      best_score = score;
      best_rate = rate;
      best = key;
    }
  };
  if (walk_request) {
    for (const PublicKey& key : *q.request_workers)
      if (const NodeEntry* n = nodes.find(key)) consider(key, *n);
  } else if (work > 0 && nodes.reputation_weight() == policy.reputation_weight) {
    // Best rate first. No worker from here on scores above this one's rate / (1000 x work) (its
    // score when idle), and none from here on has a higher rate, or the same rate and a smaller
    // id; so once that bound is below the best score, or equal to it with the rate or id losing
    // the tie, nobody later can win. With mostly idle workers a pick reads a handful of entries
    // instead of every worker with room.
    for (const RatedWorker& w : nodes.workers_by_rate()) {
      if (best) {
        const double bound = w.rate / (1000.0 * double(work));
        if (bound < best_score) break;
        if (bound == best_score && (w.rate < best_rate || (w.rate == best_rate && w.key > *best)))
          break;
      }
      consider(w.key, *w.entry);
    }
  } else {
    for (const auto& [key, n] : with_room) consider(key, *n);
  }
  return best;
}

std::optional<PublicKey> pick_validator(const NodeRegistry& nodes, const std::string& model_id,
                                        const PublicKey& worker) {
  return pick_validator(nodes, model_id, std::vector<PublicKey>{worker}, "");
}

std::optional<PublicKey> pick_validator(const NodeRegistry& nodes, const std::string& model_id,
                                        const std::vector<PublicKey>& exclude,
                                        const std::string& preferred_class,
                                        std::size_t class_slack) {
  const auto model = nodes.name_id(model_id);
  if (!model) return std::nullopt;
  // Least busy first, then the higher reputation, then the smaller id: the first eligible
  // validator is the best of any class; one of the preferred class wins if it is at most
  // class_slack audits busier, so the walk stops once the load is past that.
  const ReadyValidator* any = nullptr;
  for (const ReadyValidator& v : nodes.validators_by_load()) {
    if (any != nullptr && (preferred_class.empty() || v.load - any->load > class_slack)) break;
    const NodeEntry& n = *v.entry;
    if (n.role != protocol::Role::validator || !n.connected || n.blacklisted) continue;
    if (std::find(exclude.begin(), exclude.end(), v.key) != exclude.end()) continue;
    if (!n.has_model(*model)) continue;
    if (!preferred_class.empty() && n.capabilities.determinism_class == preferred_class)
      return v.key;
    if (any == nullptr) any = &v;
  }
  if (any == nullptr) return std::nullopt;
  return any->key;
}

}  // namespace seedgrid::coordinator
