#pragma once
// The coordinator's record of each accepted request and its jobs: what the journal persists and a
// restart resumes from.
//
// Job phases (-> transitions):
//   queued      waiting for a worker                       -> assigned, cancelled, refunding
//   assigned    sent to a worker (attempt n, deadline)     -> running, auditing, settling, queued
//                                                             (re-run), refunding, cancelling
//   running     the worker started it                      -> same as assigned
//   auditing    result verified and stored; a validator    -> settling, queued (failed audit),
//               re-renders it                                 refunding
//   settling    its image sent to the client; waiting for   -> delivered
//               the treasury's settlement
//   delivered   settled, the client told its payment       (final)
//   refunding   every attempt failed; refund pending       -> failed
//   failed      refunded                                   (final)
//   cancelling  the client cancelled; the worker stops     -> paying_cancelled, cancelled,
//                                                             auditing/settling (it had finished)
//   paying_cancelled  paying its completed steps           -> cancelled
//   cancelled   (final)
// A request is `holding` (escrow pending) -> `active` -> `releasing` (the rest of the hold goes
// back once every job is final) -> `done`. A request refused after the client gave up waiting for
// the treasury is `abandoned`: its hold, if the treasury placed it, is released.
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/base/crypto/hash.hpp"
#include "runtime/base/crypto/identity.hpp"
#include "runtime/base/protocol/audit.hpp"
#include "runtime/base/protocol/client_event.hpp"
#include "runtime/base/protocol/error_code.hpp"
#include "runtime/base/protocol/job.hpp"
#include "runtime/base/protocol/request.hpp"

namespace seedgrid::coordinator {

enum class JobPhase : std::uint8_t {
  queued = 0,
  assigned = 1,
  running = 2,
  auditing = 3,
  settling = 4,
  delivered = 5,
  refunding = 6,
  failed = 7,
  cancelling = 8,
  paying_cancelled = 9,
  cancelled = 10,
};
std::string_view job_phase_name(JobPhase p);
bool is_final(JobPhase p);
bool is_on_worker(JobPhase p);  // assigned, running or cancelling

enum class RequestPhase : std::uint8_t {
  holding = 0,
  active = 1,
  releasing = 2,
  done = 3,
  abandoned = 4
};

// Where a job's result stands with its validators (auditing and later).
struct JobAudit {
  std::optional<PublicKey> validator;  // the one auditing it now
  std::string summary;  // what the client is told: passed, not sampled, no validator, timed out
  std::uint64_t assignment = 0;  // the hand-out in progress (AuditTask::assignment); not journaled
  // Journaled apart (the verification table, written when they change): a restarted coordinator
  // resumes an audit with the same commitment and plan, and receipts keep their commitment.
  // The signed result, pixels left out: set once, never changed, so shared rather than copied,
  // and on the heap because a job without a result yet (every queued one) need not carry its
  // ~600 bytes (a request's jobs are one allocation, made when its hold is placed).
  std::shared_ptr<const protocol::JobResult> commitment;
  std::vector<protocol::AuditItem> plan;          // chosen after the commit, never sent to it
  protocol::AuditPurpose purpose = protocol::AuditPurpose::sampled;  // or referee (grey, escalated)
  std::vector<PublicKey> excluded;                // validators that already judged it
  // A script failure two workers claimed, audited in place of a result (script_failure_audit.cpp);
  // empty for a result's audit. Not journaled: a restart re-queues the job.
  std::string claimed_failure;
};

struct JobState {
  std::uint32_t index = 0;
  JobPhase phase = JobPhase::queued;
  std::uint32_t attempt = 0;   // the current (or last) attempt; 0 before the first assignment
  std::uint32_t failures = 0;  // attempts that failed (error, timeout, lost worker, failed audit)
  std::optional<PublicKey> worker;
  std::vector<PublicKey> excluded;  // workers that failed it
  std::uint32_t steps_done = 0;
  protocol::ErrorCode last_code = protocol::ErrorCode::ok;
  std::string last_reason;
  // The accepted result (auditing and later).
  Digest output_hash{};
  Digest trajectory_root{};
  std::string determinism_class;
  std::uint64_t render_ms = 0;
  JobAudit audit;
  protocol::PaymentReceipt receipt;
  // Not journaled: timers and bookkeeping of this run.
  std::int64_t deadline_ms = 0;
  std::int64_t assigned_ms = 0;
  std::int64_t queued_since_ms = 0;
  std::uint32_t batch = 1;
  // A worker's claim that the job's task script failed, waiting for a second worker to repeat it
  // (scheduling.cpp). Lost with a restart: the job is then tried once more, nobody is blamed.
  struct ScriptFailureClaim {
    PublicKey worker;
    std::string reason;
  };
  std::optional<ScriptFailureClaim> script_failure;
  // Workers whose claim of a script failure on this job a validator disproved: a claim of theirs
  // is not heard again, it is their failure (script_failure_audit.cpp). Lost with a restart.
  std::vector<PublicKey> disproved_claimants;
};

// A private request's prompt and negative prompt once erased (prompt_erasure.cpp): the request
// keeps its id, digest and signature for the record, and these hashes stand for the two texts.
struct ErasedPrompt {
  Digest prompt_hash{};
  Digest negative_prompt_hash{};
};

// A request of a scripted task type: the script it was accepted with (its id, so a restart or a
// later edit of the file cannot change what the request runs) and the passes the script declared
// for the request's parameters (priced, timed, and what a result's trajectory is held to).
// Journaled in request_tasks (journal_tasks.hpp).
struct RequestTask {
  std::string script_id;
  std::vector<protocol::TaskPass> passes;
  // The pixels of the images the request carried (input_image.hpp), priced as one step each:
  // they are stored, carried to every worker and encoded.
  std::uint64_t input_pixels = 0;

  bool operator==(const RequestTask&) const = default;
};

// A task script as a request was accepted with it: what the coordinator sends a worker that asks
// for the script by id, even once its config names another file.
struct AcceptedScript {
  std::string file_name, source;
};

struct RequestState {
  protocol::GenerateRequest request;  // prompts empty once erased
  Digest digest{};
  std::uint64_t sequence = 0;  // acceptance order: the queue's order within a tier
  RequestPhase phase = RequestPhase::holding;
  std::int64_t hold_id = 0;
  std::int64_t per_job = 0;
  std::int64_t quoted = 0;
  bool cancel_requested = false;
  std::int64_t refunded = 0;  // refunds of failed jobs plus the final release
  std::string creator;        // model creator account at acceptance
  std::int64_t base_render_millis = 0;
  std::int64_t accepted_ms = 0;  // not journaled
  std::optional<ErasedPrompt> erased;
  std::vector<JobState> jobs;
  std::set<PublicKey> workers;  // not journaled: workers this request used in this run
  std::optional<RequestTask> task;  // a scripted task type's; none for built-in task types

  bool all_final() const;
};

// The spec of job `index`: the request's (protocol::job_spec_of) with, for a scripted task, its
// script id and declared passes. Every spec the coordinator sends, hashes or prices is this one.
protocol::JobSpec spec_of(const RequestState& r, std::uint32_t index);

}  // namespace seedgrid::coordinator
