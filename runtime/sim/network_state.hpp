#pragma once
// Private to runtime/sim: the simulated network's state and the functions of each side of it.
//   network.cpp              set-up (ledger, funds, stakes, core), the run loop, the summary
//   coordinator_link.cpp     calls into the core and carrying out its effects (links, treasury)
//   simulated_workers.cpp    workers: registration, renders, crashes, stragglers, cheats
//   simulated_clients.cpp    validators answering audits, users submitting and cancelling
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "actors/coordinator/coordinator_core.hpp"
#include "actors/treasury/ledger.hpp"
#include "actors/treasury/treasury_actor_desk.hpp"
#include "runtime/sim/event_queue.hpp"
#include "runtime/sim/invariants.hpp"
#include "runtime/sim/random_stream.hpp"
#include "runtime/sim/scenario.hpp"
#include "runtime/sim/summary.hpp"

namespace seedgrid::sim {

struct SimWorker {
  SimWorker(Identity id, std::uint64_t seed, std::size_t index)
      : identity(std::move(id)),
        chance(seed, "worker/" + std::to_string(index)),
        link(seed, "link/worker/" + std::to_string(index)) {}
  Identity identity;
  RandomStream chance;  // speed, crashes, stragglers, cheats
  RandomStream link;    // latency of each message
  std::size_t group = 0;
  std::size_t facts = 0;  // index in NetworkState::facts
  double seconds = 0.0;   // this worker's mean render time
  std::string cheat;      // empty: honest
  double cheat_share = 0.0;
  bool up = false;
  bool registering = false;
  std::uint64_t incarnation = 0;  // bumped when its link drops: messages on the old one are lost
  std::int64_t cut_until_ms = 0;  // cut off by a partition until then
  bool gone = false;              // left the network for good (churn)
  // A job and the coordinator that sent it (its index in NetworkState::coordinators).
  struct Held {
    std::size_t coordinator = 0;
    protocol::Job job;
  };
  std::deque<Held> waiting;
  // Several coordinators: its home's jobs are always taken (queued behind its slots, as with one
  // coordinator); while it sits idle it offers a slot to each other coordinator in turn
  // (offer_token voids a round once it has work again), and refuses their jobs as busy when its
  // slots are full.
  std::size_t home = 0;
  std::uint64_t offer_token = 0;
  struct Running {
    std::size_t coordinator = 0;
    protocol::Job job;
    std::int64_t started_ms = 0;
    std::int64_t ends_ms = 0;
    std::uint64_t token = 0;  // the end event of this render (a cancel voids it)
  };
  std::optional<Running> running;
  std::uint64_t next_token = 0;
  std::int64_t busy_ms = 0;
  std::uint64_t results = 0;  // accepted by the coordinator
  std::int64_t caught_ms = -1;
};

struct SimValidator {
  SimValidator(Identity id, std::uint64_t seed, std::size_t index)
      : identity(std::move(id)),
        chance(seed, "validator/" + std::to_string(index)),
        link(seed, "link/validator/" + std::to_string(index)) {}
  Identity identity;
  RandomStream chance;
  RandomStream link;
  std::string determinism_class;
  std::int64_t audit_ms = 0;
  std::deque<std::pair<std::size_t, protocol::AuditTask>> waiting;  // (coordinator, audit)
  bool busy = false;
  std::uint64_t incarnation = 0;  // bumped when its link drops: audits and verdicts on it are lost
  std::int64_t cut_until_ms = 0;  // cut off by a partition until then
  std::int64_t busy_ms = 0;
};

struct SimUser {
  SimUser(Identity id, std::uint64_t seed, std::size_t index)
      : identity(std::move(id)), link(seed, "link/user/" + std::to_string(index)) {}
  Identity identity;
  RandomStream link;
};

// One coordinator. Several share the workers, the validators and the treasury, each owning the
// requests whose id it wins (ARCHITECTURE.md, "Beyond one machine"). Its one thread spends
// scenario.coordinator_call_us of virtual time on each call into its core, one after another: a
// call's effects go out when the thread has got through it (and the journal commit after it), so
// a coordinator that is handed more than it can do falls behind, as a real one does.
struct SimCoordinator {
  explicit SimCoordinator(Identity id) : identity(std::move(id)) {}
  Identity identity;
  std::unique_ptr<coordinator::CoordinatorCore> core;
  // Effects of calls made but not sent yet, by when the thread is through with them (virtual µs).
  struct Pending {
    std::int64_t done_us = 0;
    coordinator::Outbox effects;
  };
  std::deque<Pending> uncommitted;
  bool commit_queued = false;
  std::int64_t thread_free_us = 0;
  std::vector<protocol::LedgerOrder> orders;  // waiting for the next trip to the treasury
  bool orders_in_flight = false;
  std::uint64_t requests = 0;  // requests it owned
  std::uint64_t calls = 0;
  std::int64_t busy_us = 0;
};

struct RequestRecord {
  std::int64_t submitted_ms = 0;
  int batch = -1;  // index in batches, -1: a random request
  std::size_t user = 0;
  std::uint32_t jobs = 0;
  bool ended = false;
};

struct NetworkState {
  NetworkState(Scenario sc, std::uint64_t sd)
      : scenario(std::move(sc)), seed(sd), workload(sd, "workload") {}

  Scenario scenario;
  std::uint64_t seed;
  std::string work_dir;
  EventQueue queue;
  RandomStream workload;  // random requests: sizes, tiers, gaps, cancels
  Identity treasury_id = Identity::from_seed({2, 's', 'i', 'm'});
  std::unique_ptr<treasury::Ledger> ledger;
  std::unique_ptr<treasury::TreasuryDesk> desk;
  std::vector<SimCoordinator> coordinators;
  std::vector<PublicKey> coordinator_keys;  // the same order: the network map's pool
  std::string model_id;
  std::vector<SimWorker> workers;
  std::map<PublicKey, std::size_t> worker_of;
  std::vector<SimValidator> validators;
  std::map<PublicKey, std::size_t> validator_of;
  std::vector<SimUser> users;
  std::vector<WorkerFacts> facts;
  Observed observed;
  std::map<std::string, RequestRecord> requests;
  std::vector<BatchOutcome> batches;
  std::vector<std::uint32_t> batch_open;  // requests of each batch not ended yet
  std::size_t batches_submitted = 0;
  std::uint64_t random_left = 0;           // random requests still to submit
  std::uint64_t open_requests = 0;         // submitted and not ended
  std::int64_t treasury_cut_until_ms = 0;  // the coordinator cannot reach the treasury until then
  std::optional<Error> stopped;            // an invariant broke or a core stopped
  std::vector<std::int64_t> queue_waits;
  Summary summary;
  std::int64_t first_submit_ms = -1;
  std::int64_t last_end_ms = 0;
  std::int64_t unix_base_s = 1'800'000'000;  // the ledger's clock at virtual time 0
  std::int64_t wall_base_ms = 1'800'000'000'000;

  std::int64_t now() const { return queue.now(); }
  std::int64_t unix_s() const { return unix_base_s + now() / 1000; }
  std::int64_t wall_ms() const { return wall_base_ms + now(); }
  InvariantInputs invariant_inputs() const {
    std::vector<const coordinator::CoordinatorCore*> cores;
    for (const auto& c : coordinators) cores.push_back(c.core.get());
    return {std::move(cores), *ledger, observed, facts, seed, now()};
  }
  coordinator::CoordinatorCore& core(std::size_t c) { return *coordinators[c].core; }
  // The coordinator that owns `request_id` (coordinator::owner_in_pool), as a client holding the
  // network map finds it.
  std::size_t owner_of(const std::string& request_id) const;
  // Whether any coordinator still has work of its own in motion (penalties, treasury trips).
  bool coordinators_idle() const;
};

// --- coordinator_link.cpp ---
std::int64_t latency(const Scenario& s, RandomStream& link);
// Calls into the core; its effects go out as events once the journal is committed (the ordering
// rule: nothing goes out that a crash could forget). One commit serves every call made before
// the commit event runs, at the same virtual time.
// `calls`: how many messages the call stands for (a trip's receipts are one each), each costing
// the coordinator's thread scenario.coordinator_call_us.
void with_core(NetworkState& s, std::size_t coordinator,
               const std::function<void(coordinator::Outbox&)>& call, std::uint64_t calls = 1);
bool treasury_reachable(const NetworkState& s);
// The treasury's word on a registering node's stake: unreachable while a partition cuts it off.
coordinator::StakeWord stake_word(NetworkState& s, const protocol::Registration& reg);
// The scenario's partitions of the coordinator from the treasury: trips fail while they last,
// and the core is told the treasury is back when they heal.
void schedule_treasury_cuts(NetworkState& s);

// --- simulated_workers.cpp ---
// One way between worker `index` and the coordinator (its group's slow link included).
std::int64_t worker_latency(NetworkState& s, std::size_t index);
void start_worker(NetworkState& s, std::size_t index);
// The scenario's partitions: links dropped at their start, registrations again at their end.
void schedule_partitions(NetworkState& s);
// The groups' churn: at leave_ms their last leave_share leave and never come back.
void schedule_departures(NetworkState& s);
void worker_receives(NetworkState& s, std::size_t index, std::uint64_t incarnation,
                     std::size_t coordinator, protocol::Job job);
void worker_cancels(NetworkState& s, std::size_t index, std::uint64_t incarnation,
                    const std::string& job_id, std::uint32_t attempt);
// Records when coordinator `by` blacklisted `worker` (after the verdict or result that did it);
// the ban reaches the other coordinators through the ledger (a trip to the treasury and back).
void note_blacklisting(NetworkState& s, std::size_t by, const PublicKey& worker);
// The pixels an honest worker returns for `spec` (a function of the spec, as a render is).
std::vector<std::uint8_t> honest_pixels(const protocol::JobSpec& spec);

// --- simulated_clients.cpp ---
void start_validator(NetworkState& s, std::size_t index);
// An audit arriving on the link of incarnation `incarnation` (lost if that link dropped since).
void validator_receives(NetworkState& s, std::size_t index, std::uint64_t incarnation,
                        std::size_t coordinator, protocol::AuditTask task);
// The scenario's validator partitions: their audits and verdicts are lost, the coordinator calls
// them down link_timeout_ms later, and they register again when the cut heals.
void schedule_validator_cuts(NetworkState& s);
// Submits the next batch (sequential scenarios) or every batch at its time, and the random
// requests.
void start_workload(NetworkState& s);
void request_ended(NetworkState& s, const std::string& request_id);
bool workload_done(const NetworkState& s);

}  // namespace seedgrid::sim
