#pragma once
// The coordinator's behaviour as a plain state machine: every input (a client's request, a
// worker's result, a treasury receipt, a timer tick) updates the journaled state and appends what
// should happen next to an Outbox of effects (effects.hpp: send this job to that worker, tell that
// client, ask the treasury for money). The CAF actor (coordinator_actor.cpp) only translates
// messages to calls and effects to messages; this class reads no clock (callers pass now_ms) and
// sends nothing itself, so every rule here is tested without a network.
//
// This class is the façade: it owns the journal and the state (core_state.hpp); each lifecycle
// (requests, scheduling, audits, appeals, settlement, the node book, recovery) is its own file.
//
// Ordering rule: callers commit() the journal before they carry out an Outbox, so nothing is told
// that a crash could forget; SendJob alone may go before the commit (a restart re-queues every
// job that was on a worker, its assignment journaled or not).
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/coordinator/effects.hpp"
#include "actors/coordinator/image_log.hpp"
#include "actors/coordinator/job_state.hpp"
#include "actors/coordinator/model_catalog.hpp"
#include "actors/coordinator/node_registry.hpp"
#include "actors/coordinator/task_catalog.hpp"
#include "config/node_config.hpp"
#include "models/result.hpp"
#include "runtime/base/crypto/identity.hpp"
#include "runtime/base/protocol/audit.hpp"
#include "runtime/base/protocol/client_event.hpp"
#include "runtime/base/protocol/job_result.hpp"
#include "runtime/base/protocol/opening.hpp"
#include "runtime/base/protocol/status.hpp"
#include "runtime/base/protocol/treasury_messages.hpp"
#include "runtime/base/storage/database.hpp"

namespace seedgrid::coordinator {

struct CoreOptions {
  config::CoordinatorSection policy;
  ModelCatalog catalog;
  TaskCatalog task_types;  // scripted task types (coordinator.task_types), loaded and checked
  std::string data_dir;    // results/ live here, and journal.sqlite unless policy.journal names one
  std::string prompt_key_file;            // seals prompts in the journal; empty: beside the journal
  std::int64_t order_retry_ms = 2'000;    // re-send a treasury order that got no answer
  std::int64_t hold_timeout_ms = 15'000;  // a submit waits this long for its escrow hold
  std::int64_t uptime_sample_ms = 10'000;
  std::size_t recent_done_requests = 1'000;  // done requests reloaded after a restart (attach)
  // The other coordinators sharing this one's workers (the network map; the simulator sets it):
  // workers homed at one of them weigh routing.foreign_worker_weight here.
  std::vector<PublicKey> pool_peers;
  // The journal's and the result store's fsyncs. Only the virtual-time simulator sets none (its
  // folder is thrown away after the run); a node always keeps full.
  storage::Durability durability = storage::Durability::full;
};

// What the treasury said about a registering node's stake (a worker's or a validator's).
struct StakeWord {
  enum class Source : std::uint8_t {
    answered,     // `reply` holds the answer (which may be a refusal)
    unreachable,  // no treasury is connected
    silent,       // the stake request got no answer
  };
  Source source = Source::unreachable;
  protocol::StakeReply reply;
};

struct CoreState;

class CoordinatorCore {
 public:
  // Opens the journal under options.data_dir and resumes what it holds: jobs that were on workers
  // go back to the queue, money that was in motion is asked for again (same idempotency keys).
  static Result<std::unique_ptr<CoordinatorCore>> open(const Identity& identity,
                                                       CoreOptions options, std::int64_t now_ms,
                                                       Outbox& out);
  ~CoordinatorCore();

  // --- clients ---
  struct SubmitAnswer {
    protocol::Reply reply;                   // not ok: refused now
    std::optional<protocol::SubmitAck> ack;  // ok and set: answered now (a known request)
  };                                         // ok and unset: the ack comes as AnswerSubmit
  // `signature`: whether the request's signature was verified already (off the actor's thread).
  SubmitAnswer submit(const protocol::GenerateRequest& request, std::int64_t now_ms, Outbox& out,
                      protocol::RequestSignature signature = protocol::RequestSignature::unchecked);
  // A known request submitted again (same id, same signed content) is answered with its ack and,
  // when public, followed as attach follows it. attach re-sends the results not in `have`, the
  // payments of the jobs settled and, when the request is over, its completed event; the ack
  // carries the signed request, so a client that knows only the id can follow it. Attach and
  // cancel commands must be fresh at `wall_ms` (Unix ms; seen_commands.hpp).
  protocol::SubmitAck attach(const protocol::ClientCommand& command,
                             const std::vector<std::uint32_t>& have, std::int64_t wall_ms,
                             Outbox& out);
  protocol::Reply cancel(const protocol::ClientCommand& command, std::int64_t now_ms,
                         std::int64_t wall_ms, Outbox& out);
  protocol::StatusReport status(std::int64_t now_ms) const;

  // --- workers and validators ---
  protocol::Challenge hello(std::int64_t now_ms);
  protocol::Reply verify_registration(const protocol::Registration& registration,
                                      std::int64_t now_ms);
  // After verify_registration: whether the treasury's word on the node's stake is needed before
  // admit_with_stake (ask with stake_atom for stake_account_of): a worker's decides its tier, an
  // unlisted validator's whether it is admitted at all.
  bool needs_stake(const protocol::Registration& registration) const;
  static std::string stake_account_of(const protocol::Registration& registration);
  // After verify_registration, with the treasury's word on the node's stake (or why there is
  // none). A worker: the fast tier needs the ledger's minimum stake; without an answer it serves
  // the relaxed tier and its stake is asked for again within seconds. A validator: admitted when
  // listed in policy().validator_allowlist or bonded with at least validator_min_stake; otherwise
  // refused (role_refused, nothing changes) with a reason that says how to do either.
  protocol::RegistrationAck admit_with_stake(const protocol::Registration& registration,
                                             const StakeWord& stake, std::int64_t now_ms,
                                             Outbox& out);
  // After verify_registration (and the treasury's word on its stake): the node is in service.
  protocol::RegistrationAck admit(const protocol::Registration& registration, bool fast_allowed,
                                  std::string note, std::int64_t now_ms, Outbox& out);
  void node_down(const PublicKey& node, std::int64_t now_ms, Outbox& out);
  // Several coordinators share one worker pool (ARCHITECTURE.md, "Beyond one machine"): a worker
  // that refused a job with worker_busy has a free slot again.
  void on_room(const PublicKey& worker, std::int64_t now_ms, Outbox& out);
  // Another coordinator blacklisted this worker and the network's ledger carries the ban: it gets
  // no more work here, and what it holds goes back to the queue (a node not seen yet is
  // remembered as banned for when it registers).
  void ban(const PublicKey& worker, std::int64_t now_ms, Outbox& out);
  void on_started(const PublicKey& from, const protocol::JobStarted& started, std::int64_t now_ms,
                  Outbox& out);
  void on_progress(const PublicKey& from, const protocol::JobProgress& progress, Outbox& out);
  protocol::Reply on_failure(const PublicKey& from, const protocol::JobFailure& failure,
                             std::int64_t now_ms, Outbox& out);
  // `integrity`: whether protocol::check_result_integrity passed already (the actor runs it on
  // another thread); the core runs every other check of protocol::check_result itself. An
  // accepted result's pixels are moved into the result store: pass the result as an rvalue to
  // spare their copy.
  protocol::Reply on_result(
      const PublicKey& from, protocol::JobResult result, std::int64_t now_ms, Outbox& out,
      protocol::ResultIntegrity integrity = protocol::ResultIntegrity::unchecked);
  // The image log the actor's result checkers write checked pixels into, off its thread (none
  // where the journal keeps images as rows). Such a record is offered before its result is
  // applied, and on_result names it instead of writing the pixels again; at the commit, the
  // records nothing named (a refused result's) are overwritten and all are released.
  std::shared_ptr<ImageLog> image_log() const;
  void offer_result_image(const Digest& hash, const ImagePlace& place);
  protocol::Reply on_verdict(const PublicKey& from, const protocol::Verdict& verdict,
                             std::int64_t now_ms, Outbox& out);
  // A worker contests a failed verdict (once): a second validator re-runs the failed audits and a
  // full render; until it answers, or the appeal window closes, the slash waits.
  protocol::Reply on_appeal(const PublicKey& from, const protocol::Appeal& appeal,
                            std::int64_t now_ms, Outbox& out);
  // The worker an opening request goes to, when `validator` runs that audit now; else the refusal.
  Result<PublicKey> opening_target(const PublicKey& validator,
                                   const protocol::OpeningRequest& request) const;
  // The share of this worker's results audited now (audit_rate.hpp).
  double audit_rate_of(const NodeEntry& worker) const;
  std::size_t pending_penalties() const;
  // The treasury's word on a worker's stake (asked for with CheckStake): the fast tier
  // follows it from now on. A refused answer changes nothing but is asked again soon.
  void on_stake(const PublicKey& worker, const protocol::StakeReply& stake, std::int64_t now_ms,
                Outbox& out);
  // No answer about a worker's stake (treasury unreachable or silent, e.g. while a restarted
  // coordinator reconnects to it): ask again within seconds, not a whole refresh later, so a
  // staked worker does not sit out the fast tier for a minute.
  void stake_unknown(const PublicKey& worker, std::int64_t now_ms);

  // --- treasury ---
  void on_receipt(const protocol::LedgerOrder& order, const protocol::LedgerReceipt& receipt,
                  std::int64_t now_ms, Outbox& out);
  // The order got no answer (treasury unreachable, timeout): tick() sends it again.
  void on_order_lost(const protocol::LedgerOrder& order, std::int64_t now_ms);
  // The treasury is (back) up: every order waiting for a re-send goes now, and every worker
  // admitted relaxed-only while it was away has its stake asked for at once.
  void treasury_up(std::int64_t now_ms, Outbox& out);
  // The treasury's list of the holds this coordinator ordered that are still open (asked for
  // with AskOpenHolds once per start). A hold order leaves as its request's commit starts, so a
  // crash can leave a hold whose request the journal never took and whose client was never
  // answered: those holds are released, and their request ids refused until they are.
  void on_open_holds(const protocol::OpenHoldsReply& reply, std::int64_t now_ms, Outbox& out);
  // No answer to AskOpenHolds: asked again after options.order_retry_ms.
  void open_holds_unknown(std::int64_t now_ms);

  // Deadlines, audit and cancel timeouts, hold timeouts, order re-sends, uptime samples.
  void tick(std::int64_t now_ms, Outbox& out);

  // Makes the journal durable; call before carrying out an Outbox.
  Result<void> commit();
  // As commit(), without waiting (Journal::commit_in_background): `done` hears the outcome on the
  // journal's writer thread, or at once. The core goes on meanwhile; an Outbox filled before this
  // call is carried out once `done` heard success.
  void commit_in_background(std::function<void(Result<void>)> done);
  // Set when the journal could not be written: the coordinator must stop (a restart resumes from
  // what was committed).
  const std::optional<Error>& fatal() const;

  const PublicKey& key() const;
  const RequestState* request(const std::string& request_id) const;
  // Whether the result store still holds this image (kept while a request in memory or a pending
  // penalty names it).
  Result<bool> holds_image(const Digest& hash) const;
  const NodeRegistry& nodes() const;
  const ModelCatalog& catalog() const;
  const TaskCatalog& task_types() const;
  // The script a worker or validator asks for by id: the registered one, else the one a request
  // was accepted with (kept in the journal); nothing when neither has it.
  Result<std::optional<AcceptedScript>> task_script(const std::string& script_id) const;
  // An image a request carried, by id (protocol/input_image.hpp); none when no request that keeps
  // it carried it (a private request's are erased with its prompt).
  Result<std::optional<RgbImage>> input_image(const std::string& image_id) const;
  const config::CoordinatorSection& policy() const;

 private:
  explicit CoordinatorCore(std::unique_ptr<CoreState> state);
  std::unique_ptr<CoreState> state_;
};

// Ledger account ids of nodes and payers (actors/treasury/accounts.hpp naming).
std::string worker_account(const PublicKey& key);
std::string validator_account(const PublicKey& key);
std::string user_account(const PublicKey& key);

}  // namespace seedgrid::coordinator
