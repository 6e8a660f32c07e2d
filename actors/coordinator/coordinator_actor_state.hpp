#pragma once
// The coordinator actor's state and the pieces its files share (coordinator_actor.cpp: the
// messages; client_commands.cpp: a client's submit, attach and cancel; effect_delivery.cpp:
// carrying out the core's effects after the group commit). Included by those files only.
#include <spdlog/spdlog.h>
#include <caf/all.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "actors/coordinator/coordinator_actor.hpp"
#include "actors/coordinator/result_checker.hpp"
#include "actors/treasury/checkpoint_witness.hpp"
#include "runtime/base/link/link_atoms.hpp"
#include "runtime/base/protocol/interfaces/client_interface.hpp"
#include "runtime/base/protocol/interfaces/coordinator_interface.hpp"
#include "runtime/base/protocol/interfaces/treasury_interface.hpp"
#include "runtime/base/protocol/interfaces/validator_interface.hpp"
#include "runtime/base/protocol/interfaces/worker_interface.hpp"

namespace seedgrid::coordinator::actor_shell {

using tick_atom = caf::atom_constant<caf::atom("tick")>;
using commit_atom = caf::atom_constant<caf::atom("commit")>;
using committed_atom = caf::atom_constant<caf::atom("committed")>;

// The public interface and the coordinator's own messages: the group commit and its outcome (from
// the journal's writer thread: whether it is durable, or why not), the timers' tick, and the
// treasury's handle from the remote link (cast to the treasury's interface on arrival).
using coordinator_self_actor =
    protocol::coordinator_actor::extend_with<link::link_owner_actor>::extend<
        caf::reacts_to<commit_atom>, caf::reacts_to<committed_atom, bool, std::string>,
        caf::reacts_to<tick_atom>>;

// A registered node's actor, under the interface of its role (the other handle stays empty).
struct NodeHandle {
  protocol::worker_actor worker;
  protocol::validator_actor validator;

  caf::actor_addr address() const { return worker ? worker.address() : validator.address(); }
};

// How long the treasury may take to answer: a ledger order (written and made durable), a stake
// lookup (a read). No answer in time: the order is re-sent, the stake asked again.
constexpr auto kOrderAnswerTimeout = std::chrono::seconds(30);
constexpr auto kStakeAnswerTimeout = std::chrono::seconds(10);

struct CoordinatorState {
  CoordinatorSetup setup;
  std::shared_ptr<CoordinatorCore> core;
  std::shared_ptr<spdlog::logger> log;
  protocol::treasury_actor treasury;
  caf::actor treasury_link;  // to a remote treasury
  // Keeps the treasury's signed heads, passes them to validators.
  treasury::checkpoint_witness_actor checkpoints;
  ResultCheckers checkers;
  std::map<PublicKey, NodeHandle> node_actors;
  std::map<caf::actor_addr, PublicKey> node_keys;
  // A client following a request, and what it has been sent over its connection: a second
  // attach on the same connection (its answer timed out, or its `have` predates results still in
  // flight), or another client's attach, re-sends nothing this one was sent already. Forgotten
  // when the client goes down: a new connection gets what it asks for.
  struct AttachedClient {
    protocol::client_actor actor;
    std::set<std::uint32_t> results_sent;
    bool completed_sent = false;
    // The batch its submit or attach joined: the events of earlier batches, still waiting for
    // their commit when it came, are not its (its attach's own replay covers them, after its
    // answer). Sent to it, they came before the answer and took the replay's place.
    std::uint64_t first_batch = 0;
  };
  // request id -> attached clients. Kept for kFollowAfterCompletedMs after the request's completed
  // event (a late second attach on the same connection must still re-send nothing), then dropped:
  // a gateway's one connection follows every request it ever submitted, and nothing may pile up
  // per request for as long as it stays connected.
  std::map<std::string, std::vector<AttachedClient>> clients;
  std::deque<std::pair<std::int64_t, std::string>> completed_clients;  // (completed at, request)
  // Each client connection, monitored once, and the requests it follows in `clients`: when it
  // goes down, its entries are found here rather than by a walk over every request followed
  // (each `seedgrid generate` is a connection of its own, and `clients` keeps ten minutes of
  // them).
  std::map<caf::actor_addr, std::set<std::string>> monitored_clients;
  std::map<std::string, std::vector<caf::typed_response_promise<protocol::SubmitAck>>> waiting;
  // Request ids whose submit is having its signature checked on a result checker, and the
  // client commands for them that came meanwhile, in order (client_commands.cpp).
  std::map<std::string, std::vector<std::function<void()>>> held_for_check;
  // Effects waiting for the next journal commit, every handler's in the order handled. A batch's
  // outbox goes back to `spare` once carried out and gathers the batch after next, its lists' room
  // kept: a handler's effects then seldom allocate (bench/RESULTS.md, session 38).
  Outbox pending;
  Outbox spare;
  // Answers that promise what the journal must hold first (an attach's or a cancel's nonce, a
  // cancel itself): delivered once the commit they wait for is durable, before its effects.
  std::vector<std::function<void()>> answers_after_commit;
  bool commit_scheduled = false;
  // The commit on the journal's writer (one at a time) and what waits for it; messages handled
  // meanwhile gather for the next one, which starts when this one is durable.
  struct CommitInFlight {
    std::uint64_t batch = 0;
    Outbox effects;
    std::vector<std::function<void()>> answers;
  };
  std::optional<CommitInFlight> in_flight;
  std::uint64_t batch = 0;  // the number of the batch gathering now (`pending`), the next commit's
  bool commit_waiting = false;  // a commit was asked for while one was in flight
  static inline const char* name = "seedgrid.coordinator";

  // Milliseconds of the steady clock: the time base the core was opened with (node.cpp).
  static std::int64_t now() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
};

using Self = coordinator_self_actor::stateful_pointer<CoordinatorState>;

// "gpu-box-1 (3f2a9c01d4e5b6a7)": how log lines name a node, from the coordinator's book when it
// knows the node, else by id alone.
std::string who(Self self, const PublicKey& key);
// Group commit: the effects of every message handled until the commit message comes round (it
// queues behind the messages already in the mailbox) wait for one journal commit, then go out in
// order. Nothing a client, validator or treasury is told leaves before the state that caused it
// is durable; jobs go to their workers when the commit message comes round, without waiting for
// a commit (a restart does not resume them).
// A handler adds its effects to the batch's outbox, then calls flush.
Outbox& pending_effects(Self self);
void flush(Self self);
// The commit message's handler: sends the jobs and starts the journal's commit on its writer,
// unless one is in flight (then the next starts when it is durable).
void commit_and_send(Self self);
// The commit's outcome: carries out its effects, or stops the coordinator when it failed.
void committed(Self self, bool durable, const std::string& failure);
// Stops following a request: its attached clients, and its place in each one's list.
void forget_clients_of(CoordinatorState& s, const std::string& request_id);

// --- client commands (client_commands.cpp) ---
using SubmitPromise = caf::typed_response_promise<protocol::SubmitAck>;
// The sender of the current message as a client: whoever submits or attaches must accept the
// request's events.
protocol::client_actor client_of(Self self);
// Takes a submit once its signature is checked: here when nothing waits behind it, else on a
// result checker, the request's later commands held until then (see held_for_check).
void take_submit_when_checked(Self self, const protocol::client_actor& client,
                              protocol::GenerateRequest request, SubmitPromise promise);
// Takes `command` (an attach or a cancel) now, or after the submit of `request_id` being checked.
void take_after_check(Self self, const std::string& request_id, std::function<void()> command);
void take_attach(Self self, const protocol::client_actor& client,
                 const protocol::ClientCommand& command, const std::vector<std::uint32_t>& have,
                 SubmitPromise promise);
void take_cancel(Self self, const protocol::ClientCommand& command,
                 caf::typed_response_promise<protocol::Reply> promise);

}  // namespace seedgrid::coordinator::actor_shell
