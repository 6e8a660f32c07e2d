#pragma once
// Where a job goes. Eligible workers are connected, not blacklisted, have the job's model and task
// type loaded, serve its tier (fast also needs the treasury's stake approval) and have room
// (in flight < max_inflight). A request spreads over at most max_workers_per_request workers.
// A worker that already failed this job is avoided while any other eligible worker exists.
// Among the eligible the score is
//   reputation ^ reputation_weight / expected finish time (ms)
// where the finish time counts the work already in flight on it at its measured speed: fast,
// trusted, idle workers win; equal scores go to the higher rate (reputation ^ weight x speed),
// then the smaller node id, so routing is deterministic. The registry keeps the workers with room
// in rate order, so a pick reads only the few that can still win, not the whole fleet.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "actors/coordinator/node_registry.hpp"
#include "config/node_config.hpp"
#include "runtime/base/protocol/job.hpp"

namespace seedgrid::coordinator {

struct RouteQuery {
  const protocol::JobSpec* spec = nullptr;
  protocol::Tier tier = protocol::Tier::fast;
  const std::set<PublicKey>* request_workers = nullptr;  // workers the request already uses
  const std::vector<PublicKey>* excluded = nullptr;      // workers that failed this job
};

std::optional<PublicKey> pick_worker(const NodeRegistry& nodes, const RouteQuery& query,
                                     const config::RoutingPolicy& policy);
// Whether any connected, non-blacklisted worker could ever take this job (capacity aside).
bool any_capable_worker(const NodeRegistry& nodes, const protocol::JobSpec& spec,
                        protocol::Tier tier);
// Why no worker takes this job in `tier`, and what the person asking can do about it: the other
// tier when a worker serves it there, how a worker qualifies for the fast tier (bonded stake, the
// exact ledger command), or that no worker has the model at all.
std::string no_capable_worker_reason(const NodeRegistry& nodes, const protocol::JobSpec& spec,
                                     protocol::Tier tier);
// A validator for an audit: connected, has the model, is not the audited worker; the least busy
// wins, then the higher reputation, then the smaller node id.
std::optional<PublicKey> pick_validator(const NodeRegistry& nodes, const std::string& model_id,
                                        const PublicKey& worker);
// Never a node in `exclude`. A validator of `preferred_class` (the worker's determinism class, so
// bytes can be compared) wins over the least busy validator of any class when it is at most
// `class_slack` audits busier (a referee or an appeal: any number); the least busy otherwise.
std::optional<PublicKey> pick_validator(const NodeRegistry& nodes, const std::string& model_id,
                                        const std::vector<PublicKey>& exclude,
                                        const std::string& preferred_class,
                                        std::size_t class_slack = SIZE_MAX);

}  // namespace seedgrid::coordinator
