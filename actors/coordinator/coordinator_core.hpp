#pragma once
// The coordinator's behaviour as a plain state machine: every input (a client's request, a
// worker's result, a treasury receipt, a timer tick) updates the journaled state and appends what
// should happen next to an Outbox (send this job to that worker, tell that client, ask the treasury
// for money). The CAF actor (coordinator_actor.cpp) only translates messages to calls and the
// Outbox to messages; this class reads no clock (callers pass now_ms) and sends nothing itself, so
// every rule here is tested without a network.
//
// Ordering rule: callers commit() the journal before they carry out an Outbox, so nothing is sent
// that a crash could forget.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "actors/coordinator/audit_sampler.hpp"
#include "actors/coordinator/job_state.hpp"
#include "actors/coordinator/journal.hpp"
#include "actors/coordinator/model_catalog.hpp"
#include "actors/coordinator/node_registry.hpp"
#include "actors/coordinator/registrar.hpp"
#include "actors/coordinator/result_store.hpp"
#include "config/node_config.hpp"
#include "runtime/base/protocol/audit.hpp"
#include "runtime/base/protocol/client_event.hpp"
#include "runtime/base/protocol/job_result.hpp"
#include "runtime/base/protocol/opening.hpp"
#include "runtime/base/protocol/status.hpp"
#include "runtime/base/protocol/treasury_messages.hpp"

namespace seedgrid::coordinator {

struct Outbox {
  struct JobSend {
    PublicKey worker;
    protocol::Job job;
  };
  struct JobCancel {
    PublicKey worker;
    std::string job_id;
    std::uint32_t attempt = 0;
  };
  struct AuditSend {
    PublicKey validator;
    protocol::AuditTask task;
  };
  std::vector<JobSend> jobs;
  std::vector<JobCancel> cancels;
  std::vector<AuditSend> audits;
  // A failed verdict, told to the audited worker (so it may appeal).
  struct VerdictNotice {
    PublicKey worker;
    protocol::Verdict verdict;
  };
  std::vector<VerdictNotice> notices;
  std::vector<protocol::ClientEvent> events;  // each to the client attached to event.request_id
  std::vector<protocol::LedgerOrder> orders;
  std::vector<protocol::SubmitAck> acks;  // answers to submits that waited for their hold
  // Workers whose bonded stake to ask the treasury for (stake_atom); answers go to on_stake.
  std::vector<PublicKey> stake_checks;

  bool empty() const;
  void clear();
};

struct CoreOptions {
  config::CoordinatorSection policy;
  ModelCatalog catalog;
  std::string data_dir;                   // journal.sqlite and results/ live here
  std::string prompt_key_file;  // seals prompts in the journal; empty: beside the journal
  std::int64_t order_retry_ms = 2'000;    // re-send a treasury order that got no answer
  std::int64_t hold_timeout_ms = 15'000;  // a submit waits this long for its escrow hold
  std::int64_t uptime_sample_ms = 10'000;
  std::size_t recent_done_requests = 1'000;  // done requests reloaded after a restart (attach)
};

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
  };                                         // ok and unset: the ack comes in Outbox::acks
  SubmitAnswer submit(const protocol::GenerateRequest& request, std::int64_t now_ms, Outbox& out);
  // Re-sends the results not in `have` and, when the request is over, its completed event.
  protocol::SubmitAck attach(const protocol::ClientCommand& command,
                             const std::vector<std::uint32_t>& have, Outbox& out);
  protocol::Reply cancel(const protocol::ClientCommand& command, std::int64_t now_ms, Outbox& out);
  protocol::StatusReport status(std::int64_t now_ms) const;

  // --- workers and validators ---
  protocol::Challenge hello(std::int64_t now_ms);
  protocol::Reply verify_registration(const protocol::Registration& registration,
                                      std::int64_t now_ms);
  // After verify_registration (and the treasury's word on its stake): the node is in service.
  protocol::RegistrationAck admit(const protocol::Registration& registration, bool fast_allowed,
                                  std::string note, std::int64_t now_ms, Outbox& out);
  void node_down(const PublicKey& node, std::int64_t now_ms, Outbox& out);
  void on_started(const PublicKey& from, const protocol::JobStarted& started, std::int64_t now_ms,
                  Outbox& out);
  void on_progress(const PublicKey& from, const protocol::JobProgress& progress, Outbox& out);
  protocol::Reply on_failure(const PublicKey& from, const protocol::JobFailure& failure,
                             std::int64_t now_ms, Outbox& out);
  protocol::Reply on_result(const PublicKey& from, const protocol::JobResult& result,
                            std::int64_t now_ms, Outbox& out);
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
  std::size_t pending_penalties() const { return penalties_.size(); }
  // The treasury's word on a worker's stake (asked for in Outbox::stake_checks): the fast tier
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

  // Deadlines, audit and cancel timeouts, hold timeouts, order re-sends, uptime samples.
  void tick(std::int64_t now_ms, Outbox& out);

  // Makes the journal durable; call before carrying out an Outbox.
  Result<void> commit();
  // Set when the journal could not be written: the coordinator must stop (a restart resumes from
  // what was committed).
  const std::optional<Error>& fatal() const { return fatal_; }

  const PublicKey& key() const { return identity_.public_key(); }
  const RequestState* request(const std::string& request_id) const;
  const NodeRegistry& nodes() const { return nodes_; }
  const ModelCatalog& catalog() const { return options_.catalog; }
  const config::CoordinatorSection& policy() const { return options_.policy; }
  std::size_t pending_orders() const { return orders_.size(); }

 private:
  struct PendingOrder {
    protocol::LedgerOrder order;
    bool in_flight = false;
    std::int64_t retry_at_ms = 0;
  };
  // A failed verdict whose slash waits for the worker's appeal; journaled (penalties table) each
  // time it changes, in the same transaction as what changed it, and deleted with the slash order
  // that ends it, so a restart neither drops nor doubles it.
  struct PendingPenalty {
    std::string audit_id;  // of the failed verdict
    PublicKey worker;
    PublicKey validator;
    protocol::Job job;
    Digest output_hash{};
    std::string worker_class;
    std::optional<protocol::JobResult> commitment;
    std::vector<protocol::AuditItem> plan;
    std::int64_t deadline_ms = 0;  // window end, or the appeal audit's deadline once appealed
    bool appealed = false;
    std::optional<PublicKey> referee;  // the second validator (none yet after a restart)
    std::uint64_t assignment = 0;      // of the appeal audit handed to the referee; not journaled
    // The failed verdict as told to the worker: told again when it registers while the window
    // is open, since it may have been away (or the coordinator restarted) when it went out.
    std::optional<protocol::Verdict> notice;
  };

  CoordinatorCore(const Identity& identity, CoreOptions options, Journal journal, Digest salt);
  Result<void> recover(std::int64_t now_ms, Outbox& out);
  // A token no earlier hand-out of an audit had, in this run or an earlier one.
  std::uint64_t next_assignment();
  // Whether `v` answers the hand-out in progress; a verdict computed for an earlier one (the
  // validator's link dropped, or the coordinator restarted, while it audited) is refused.
  protocol::Reply check_assignment(const protocol::Verdict& v, std::uint64_t in_progress) const;

  RequestState* find_request(const std::string& request_id);
  // The job named "<request id>/<index>".
  std::pair<RequestState*, JobState*> find_job(const std::string& job_id);
  protocol::Job job_message(const RequestState& r, const JobState& j) const;
  protocol::ClientEvent event(protocol::EventKind kind, const RequestState& r,
                              const JobState* j) const;

  void set_phase(RequestState& r, JobState& j, JobPhase phase, std::int64_t now_ms);
  void save(const RequestState& r, const JobState& j);
  void save(const RequestState& r);
  void save_node(const NodeEntry& n);
  void fatal(const Error& e);

  void place_order(protocol::LedgerOrder order, Outbox& out);
  void dispatch(std::int64_t now_ms, Outbox& out);
  // The current attempt failed (its worker is already released): re-queue, or refund when the
  // attempts are used up, or cancel when the client asked to.
  void fail_attempt(RequestState& r, JobState& j, protocol::ErrorCode code, std::string reason,
                    std::int64_t now_ms, Outbox& out);
  void release_worker(RequestState& r, JobState& j);
  void accept_output(RequestState& r, JobState& j, std::int64_t now_ms, Outbox& out,
                     const std::vector<std::uint8_t>* pixels);
  void start_settlement(RequestState& r, JobState& j, Outbox& out);
  protocol::LedgerOrder hold_order(const RequestState& r) const;
  protocol::LedgerOrder release_order(const RequestState& r) const;
  protocol::LedgerOrder job_order(protocol::LedgerOrderKind kind, const RequestState& r,
                                  const JobState& j) const;
  void blacklist(NodeEntry& n, std::int64_t now_ms, Outbox& out);
  void slash_worker(const PendingPenalty& p, Outbox& out);
  void save_penalty(const PendingPenalty& p, std::int64_t now_ms);
  void save_verification(const RequestState& r, const JobState& j);
  // Sends an appealed verdict's audit to a second validator; false when none can hear it.
  bool send_appeal(PendingPenalty& p, std::int64_t now_ms, Outbox& out);
  void slash_validator(const PublicKey& validator, const PublicKey& referee,
                       const std::string& audit_id, Outbox& out);
  protocol::Reply on_appeal_verdict(NodeEntry& validator, const protocol::Verdict& v,
                                    std::int64_t now_ms, Outbox& out);
  void escalate(RequestState& r, JobState& j, const PublicKey& grey_validator,
                std::int64_t now_ms, Outbox& out);
  void maybe_finish(RequestState& r, Outbox& out);
  void deliver(RequestState& r, JobState& j, Outbox& out);
  void complete(RequestState& r, Outbox& out);
  protocol::SubmitAck ack_of(const RequestState& r, bool resumed) const;

  const Identity& identity_;
  CoreOptions options_;
  Journal journal_;
  ResultStore results_;
  Registrar registrar_;
  AuditSampler sampler_;
  NodeRegistry nodes_;
  std::map<std::string, RequestState> requests_;
  std::map<std::string, std::set<std::uint32_t>> queued_;  // request id -> queued job indices
  std::map<std::string, PendingOrder> orders_;             // by idempotency key
  std::map<std::string, PendingPenalty> penalties_;        // by audit id
  std::optional<Error> fatal_;
  std::int64_t started_ms_ = 0;
  std::uint64_t run_ = 0;        // this run's number (Journal::begin_run)
  std::uint64_t hand_outs_ = 0;  // audits handed out in this run
  std::int64_t next_uptime_sample_ms_ = 0;
  std::uint64_t jobs_delivered_ = 0;
  std::uint64_t jobs_failed_ = 0;
};

// Ledger account ids of nodes and payers (actors/treasury/accounts.hpp naming).
std::string worker_account(const PublicKey& key);
std::string validator_account(const PublicKey& key);
std::string user_account(const PublicKey& key);

}  // namespace seedgrid::coordinator
