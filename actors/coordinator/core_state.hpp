#pragma once
// The coordinator core's state and the bookkeeping every lifecycle shares; private to
// actors/coordinator (the façade is coordinator_core.hpp). Each lifecycle lives in its own file
// and works on this state:
//   requests.cpp     a client's request: submit, attach, cancel, status
//   scheduling.cpp   the queue, dispatch to workers, attempts, deadlines
//   audits.cpp       a result accepted, its audit handed to a validator, escalated, judged
//   appeals.cpp      failed verdicts waiting for the appeal window, appeals, slashes
//   settlement.cpp   treasury orders and their receipts, one function per order kind
//   node_book.cpp    registration, stake and the fast tier, blacklist, uptime
//   prompt_erasure.cpp  a private request's prompt erased once its windows closed
//   recovery.cpp     resuming the journal after a restart
//   hold_sweep.cpp   holds a crash left without a journaled request, released after a start
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "actors/coordinator/audit_sampler.hpp"
#include "actors/coordinator/coordinator_core.hpp"
#include "actors/coordinator/journal.hpp"
#include "actors/coordinator/registrar.hpp"
#include "actors/coordinator/result_store.hpp"
#include "actors/coordinator/seen_commands.hpp"

namespace seedgrid::coordinator {

// A treasury order not answered yet, by idempotency key.
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

// A request's place in the queue: fast before relaxed, then by acceptance.
struct QueuePlace {
  protocol::Tier tier = protocol::Tier::fast;
  std::uint64_t sequence = 0;
  std::string request_id;

  auto operator<=>(const QueuePlace&) const = default;
};
QueuePlace queue_place(const RequestState& r);

// A request's entry in the queue: its queued jobs, with the request itself and the number of its
// kind of job (CoreState::job_kind), so that a dispatch pass behind a backlog reads both without
// a lookup by id or a string compare per entry. The request outlives its entry: it leaves
// `requests` only through CoreState::forget_request (keep_done's too), which drops the entry first.
struct QueueEntry {
  RequestState* request = nullptr;
  std::uint32_t kind = 0;
  std::set<std::uint32_t> jobs;
};

struct CoreState {
  CoreState(const Identity& identity, CoreOptions options, Journal journal, Digest salt);

  const Identity& identity;
  CoreOptions options;
  Journal journal;
  ResultStore results;
  Registrar registrar;
  AuditSampler sampler;
  NodeRegistry nodes;
  // Through add_request and forget_request only, which keep images_named with it.
  std::map<std::string, RequestState> requests;
  // How many jobs of the requests in `requests` name each result image (name_image): when a
  // request leaves memory this says whether another still names its images (release_images),
  // without a journal read per image, which waited for the writer's queue (a round trip on
  // PostgreSQL).
  std::map<Digest, std::uint32_t> images_named;
  // Queued job indices per request, in the order dispatch serves requests: a dispatch walks it
  // from the front and stops when the workers are full, rather than sorting every request.
  std::map<QueuePlace, QueueEntry> queued;
  // Kinds of job seen, numbered in order of first use: requests of one kind (model, task type,
  // task script, tier) are served by the same workers (dispatch).
  std::map<std::tuple<std::string, std::string, std::string, protocol::Tier>, std::uint32_t>
      job_kinds;
  // Queued jobs per tier, kept with `queued` (set_phase, drop_queue_place): a new request's place
  // is counted from these and the few entries behind it (jobs_ahead_of), not by walking every
  // queued request, which under a backlog of thousands cost each new request a walk of them all.
  std::array<std::uint64_t, 2> queued_jobs{};
  std::map<std::string, PendingOrder> orders;       // by idempotency key
  // The treasury asked once per start for the holds this coordinator ordered (hold_sweep.cpp).
  enum class HoldSweep { due, asked, done } hold_sweep = HoldSweep::due;
  std::int64_t hold_sweep_at_ms = 0;  // when a sweep that got no answer is asked again
  std::map<std::string, PendingPenalty> penalties;  // by audit id
  // Done requests held in memory (attach, status), by acceptance sequence. Past
  // options.recent_done_requests (and a sixteenth more: keep_done) the oldest are let go, as a
  // restart would (Journal::load_requests keeps the same ones), so a coordinator that runs for
  // months does not grow with its history.
  std::set<std::pair<std::uint64_t, std::string>> done_in_memory;
  SeenCommands seen_commands;  // nonces of attach and cancel commands, until they expire
  std::optional<Error> fatal;
  std::int64_t started_ms = 0;
  std::uint64_t run = 0;        // this run's number (Journal::begin_run)
  std::uint64_t hand_outs = 0;  // audits handed out in this run
  std::int64_t next_uptime_sample_ms = 0;
  std::uint64_t jobs_delivered = 0;
  std::uint64_t jobs_failed = 0;
  // Slots a cancelled job still holds on a connected worker after it was settled (its worker
  // was inside a step when the grace ran out), by job id: freed at the worker's report, or at
  // `release_ms` (the job's whole render budget later), so a worker that never reports a
  // cancelled job does not lose the slot for as long as its link stays up.
  struct HeldSlot {
    PublicKey worker;
    std::int64_t release_ms = 0;
  };
  std::map<std::string, HeldSlot> held_slots;
  // Node rows saved since the last commit, the latest of each: a commit writes a worker's row
  // once, not once for each of its results in the batch (write_saved_nodes).
  std::map<PublicKey, JournaledNode> nodes_to_write;

  // --- bookkeeping (core_state.cpp) ---
  const PublicKey& key() const { return identity.public_key(); }
  RequestState* find_request(const std::string& request_id);
  // Takes a request into memory, its images counted in images_named.
  RequestState& add_request(RequestState r);
  // Lets a request go from memory, with its queue entry and its count in images_named, and
  // returns it (none if it was not in memory); its journal rows are the caller's.
  std::optional<RequestState> forget_request(std::string request_id);
  // Sets the image a job of a request in `requests` names (a zero digest: none).
  void name_image(JobState& j, const Digest& hash);
  // The number of the request's kind of job (job_kinds), numbered on first use.
  std::uint32_t job_kind(const RequestState& r);
  // The job named "<request id>/<index>".
  std::pair<RequestState*, JobState*> find_job(const std::string& job_id);
  protocol::Job job_message(const RequestState& r, const JobState& j) const;
  protocol::ClientEvent event(protocol::EventKind kind, const RequestState& r,
                              const JobState* j) const;
  void set_phase(RequestState& r, JobState& j, JobPhase phase, std::int64_t now_ms);
  // Removes a request's queue entry (and its jobs from the counts).
  void drop_queue_place(const QueuePlace& place);
  // Jobs queued ahead of `place`: every job of an earlier tier, and of its own tier those of
  // requests accepted before it.
  std::uint64_t jobs_ahead_of(const QueuePlace& place) const;
  // Journal writes join the open transaction; a failed one makes the coordinator stop (fatal).
  void save(const RequestState& r, const JobState& j);
  // A settled job: its phase and payment, all that changed since its result was saved.
  void save_payment(const RequestState& r, const JobState& j);
  // A request's whole row, once, as submitted; afterwards only what changes as it goes on
  // (Journal::put_request_progress).
  void save_submitted(const RequestState& r);
  void save_progress(const RequestState& r);
  void save_node(const NodeEntry& n);
  // Writes the node rows saved since the last commit; called by the commit.
  void write_saved_nodes();
  void save_verification(const RequestState& r, const JobState& j);
  void save_penalty(const PendingPenalty& p, std::int64_t now_ms);
  void record_fatal(const Error& e);
  protocol::SubmitAck ack_of(const RequestState& r, bool resumed) const;
  // A request that is done and owes nothing more (a private one: its prompt's erasure) joins
  // done_in_memory; the oldest beyond the limit leave memory, possibly `r` itself, so a caller
  // must not touch `r` afterwards. Their images go with them (release_images).
  void keep_done(const RequestState& r);
  // The images of a request let go from memory: no attach reaches it any more (nor, after a
  // restart, Journal::load_requests), so each of its images is deleted unless a request still
  // held or a penalty awaiting its appeal names it, and the pixels of the images it carried (an
  // img2img's) go unless such a penalty is on one of its jobs (a referee renders the job again
  // from them). Its journal rows stay, the record of what was asked and delivered; the pixels were
  // most of the journal's growth.
  void release_images(const RequestState& let_go);
  // A private request just done: it names its images no more, and each it delivered goes, its
  // pages zeroed, unless a request in memory (one not done, or a public one, which may still be
  // attached to) names the same image.
  void release_private_images(const RequestState& r);
  // Whether a pending penalty is on a job of this request.
  bool penalty_on(const std::string& request_id) const;
  // Whether a pending penalty, or a request in memory, names this image.
  bool image_wanted(const Digest& hash) const;
  double audit_rate_of(const NodeEntry& n) const;
};

// --- scheduling.cpp ---
void dispatch(CoreState& s, std::int64_t now_ms, Outbox& out);
// The current attempt failed (its worker is already released): re-queue, or refund when the
// attempts are used up, or cancel when the client asked to.
void fail_attempt(CoreState& s, RequestState& r, JobState& j, protocol::ErrorCode code,
                  std::string reason, std::int64_t now_ms, Outbox& out);
void release_worker(CoreState& s, RequestState& r, JobState& j);
// A failure charged to a worker (null: not registered now): its reputation and its failed jobs.
void charge_failure(CoreState& s, NodeEntry* worker);
// A claim that the job's task script failed which no second worker repeated (another rendered
// the job, or failed it otherwise): its worker is charged the failure it claimed away.
void blame_unrepeated_claim(CoreState& s, JobState& j);

// --- script_failure_audit.cpp ---
// A task script's failure that a second worker repeated: refunded, blaming neither, unless the
// job is sampled for audit and a validator is registered; then a validator runs the script first
// (AuditTask::claimed_failure). `second`: the worker that repeated it (the job's worker now).
void script_failure_confirmed(CoreState& s, RequestState& r, JobState& j, const std::string& reason,
                              std::int64_t now_ms, Outbox& out);
// Whether a validator disproved `worker`'s claim of a script failure on this job before.
bool claim_was_disproved(const JobState& j, const PublicKey& worker);
// The audit of a claimed failure ends: `upheld` (the validator's script failed alike, it could not
// tell, none came in time) refunds the job blaming neither; otherwise both claimants are charged
// the failure and the job is tried again on another worker.
void end_script_failure_audit(CoreState& s, RequestState& r, JobState& j, bool upheld,
                              const std::string& detail, std::int64_t now_ms, Outbox& out);
// A cancelled job's end once its worker stopped (or the grace for it ran out): the steps done are
// paid, or with none done it ends unpaid.
void settle_cancelled(CoreState& s, RequestState& r, JobState& j, std::uint32_t steps_done,
                      std::int64_t now_ms, Outbox& out);
// A worker's report for a job that is no longer on it frees the slot the job kept (a cancelled
// job settled while its worker was still inside a step).
void release_settled_slot(CoreState& s, const PublicKey& from, const std::string& job_id,
                          std::int64_t now_ms, Outbox& out);
// Frees the held slots (CoreState::held_slots) whose worker has not reported by now.
void release_held_slots(CoreState& s, std::int64_t now_ms);
// A worker's failure report (or, for a cancelled job whose report never came, what it would
// have said): pays a cancelled job's steps, else fails the attempt.
protocol::Reply job_failed(CoreState& s, const PublicKey& from, const protocol::JobFailure& failure,
                           std::int64_t now_ms, Outbox& out);
// A job's timers at a tick: the worker's deadline, the cancel grace, the queue's patience, and
// (through audits.cpp) the audit's. `capable`: whether any connected worker can take the
// request's jobs, asked once per request and tick (its jobs all need the same model and tier)
// when one of them has waited past deadlines.queue_ms.
void expire_job(CoreState& s, RequestState& r, JobState& j, std::int64_t now_ms, Outbox& out,
                std::optional<bool>& capable);
// The worker's jobs once its session is gone: re-queued (or, cancelling, settled at the tick).
void worker_lost(CoreState& s, NodeEntry& n, const std::vector<std::string>& job_ids,
                 std::int64_t now_ms, Outbox& out);

// --- audits.cpp ---
// Hands the job's audit to a validator (its first hand-out, or again after a lost validator, a
// restart or an escalation); waits for one, or settles unaudited when none comes in time. The
// claimed pixels come from the result store (memory, for a result just stored).
void hand_out_audit(CoreState& s, RequestState& r, JobState& j, std::int64_t now_ms, Outbox& out);
// A token no earlier hand-out of an audit had, in this run or an earlier one.
std::uint64_t next_assignment(CoreState& s);
// Whether `v` answers the hand-out in progress; a verdict computed for an earlier one (the
// validator's link dropped, or the coordinator restarted, while it audited) is refused.
protocol::Reply check_assignment(const protocol::Verdict& v, std::uint64_t in_progress);
// Step audits, and every audit of a scripted job's but the full one, fetch openings from the
// worker (through the coordinator) while they run.
bool needs_openings(const std::vector<protocol::AuditItem>& plan, bool scripted);
void audit_deadline(CoreState& s, RequestState& r, JobState& j, std::int64_t now_ms, Outbox& out);
// The validator's audits once its session is gone: handed to another validator.
void validator_lost(CoreState& s, const PublicKey& validator,
                    const std::vector<std::string>& audit_ids, std::int64_t now_ms, Outbox& out);

// --- appeals.cpp ---
// A failed verdict: its slash waits for the appeal window (or goes now when appeals are off).
void open_penalty(CoreState& s, const RequestState& r, const JobState& j,
                  const protocol::Verdict& v, std::int64_t now_ms, Outbox& out);
// Sends an appealed verdict's audit to a second validator; false when none can hear it.
bool send_appeal(CoreState& s, PendingPenalty& p, std::int64_t now_ms, Outbox& out);
protocol::Reply on_appeal_verdict(CoreState& s, NodeEntry& validator, const protocol::Verdict& v,
                                  std::int64_t now_ms, Outbox& out);
void slash_worker(CoreState& s, const PendingPenalty& p, Outbox& out);
// Appeal windows that closed without an appeal, and appeals nobody answered: the verdict stands.
void expire_penalties(CoreState& s, std::int64_t now_ms, Outbox& out);
// A referee that is gone: its appeal goes to another; true when `audit_id` was such an appeal.
bool referee_lost(CoreState& s, const PublicKey& referee, const std::string& audit_id,
                  std::int64_t now_ms, Outbox& out);
// When a node registers: appeals whose referee was lost go now; a worker hears its open notices.
void resume_appeals(CoreState& s, const NodeEntry& n, std::int64_t now_ms, Outbox& out);

// --- settlement.cpp ---
void place_order(CoreState& s, protocol::LedgerOrder order, Outbox& out);
protocol::LedgerOrder hold_order(const CoreState& s, const RequestState& r);
// The release of a request's hold, and its idempotency key.
std::string release_key(std::string_view request_id);
protocol::LedgerOrder release_order(std::string_view request_id, std::int64_t hold_id);
protocol::LedgerOrder release_order(const RequestState& r);
protocol::LedgerOrder job_order(protocol::LedgerOrderKind kind, const RequestState& r,
                                const JobState& j);
// A result accepted (or its audit passed): the settle order goes, and the image to the client.
void start_settlement(CoreState& s, RequestState& r, JobState& j, Outbox& out);
// When every job is final: the rest of the hold goes back.
void maybe_finish(CoreState& s, RequestState& r, Outbox& out);
void deliver(CoreState& s, RequestState& r, JobState& j, Outbox& out);
// What a settled job's payment did, for its clients.
protocol::ClientEvent paid_event(const CoreState& s, const RequestState& r, const JobState& j);
void complete(CoreState& s, RequestState& r, Outbox& out);
// Orders that got no answer whose re-send is due by `due_by_ms`.
void resend_orders(CoreState& s, std::int64_t due_by_ms, Outbox& out);
// Submits whose hold the treasury did not place in time: refused, the request abandoned.
void expire_hold(CoreState& s, RequestState& r, std::int64_t now_ms, Outbox& out);

// --- node_book.cpp ---
void blacklist(CoreState& s, NodeEntry& n, std::int64_t now_ms, Outbox& out);
// Workers advertising the fast tier whose stake is due to be asked for again.
void refresh_stakes(CoreState& s, std::int64_t now_ms, Outbox& out);
// The treasury is back: workers admitted relaxed-only while it was away are asked for now.
void ask_stakes_after_outage(CoreState& s, std::int64_t now_ms, Outbox& out);
void sample_uptime(CoreState& s, std::int64_t now_ms);

// --- prompt_erasure.cpp ---
// Done private requests whose jobs' appeal windows have all closed lose their prompts.
void erase_private_prompts(CoreState& s);

// --- hold_sweep.cpp ---
// Asks the treasury for this coordinator's open holds, once per start (`now`: even before the
// retry time, as when the treasury has just come up).
void ask_open_holds(CoreState& s, std::int64_t now_ms, Outbox& out, bool now = false);

// --- recovery.cpp ---
Result<void> recover(CoreState& s, std::int64_t now_ms, Outbox& out);

}  // namespace seedgrid::coordinator
