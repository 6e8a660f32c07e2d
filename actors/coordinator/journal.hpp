#pragma once
// The coordinator's journal (SQLite, WAL, synchronous=FULL via runtime/base/storage): accepted
// requests with their jobs' phases and results (and the result images, image_log.hpp), each job's
// verification record (the signed commitment, the audits chosen for it, who judged it), failed
// verdicts whose slash waits for the appeal window (and appeals in progress), known nodes'
// reputations and blacklisting, slashes still to apply, and the secret audit salt. A restarted coordinator resumes from it: no accepted
// request is lost, and a job that was settled is never settled again (and the ledger's idempotency
// keys catch the window between a settlement and its journal entry).
//
// Writes join one open transaction that commit() makes durable; the coordinator commits before it
// acts on what it wrote (asks for money, answers a client; a job goes to its worker without
// waiting). A journal destroyed with writes not committed rolls them back, as a crash would. On a
// durable SQLite journal the statements and the commits run on a writer thread
// (storage/background_writer.hpp): a write returns at once and a failed one is reported by the
// next read or commit; the actor's commits do not wait either (commit_in_background).
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "actors/coordinator/image_log.hpp"
#include "actors/coordinator/job_state.hpp"
#include "actors/coordinator/reputation.hpp"
#include "models/result.hpp"
#include "runtime/base/protocol/audit.hpp"
#include "runtime/base/protocol/job.hpp"
#include "runtime/base/protocol/registration.hpp"
#include "runtime/base/protocol/treasury_messages.hpp"
#include "runtime/base/storage/database.hpp"

namespace seedgrid::coordinator {

struct JournaledNode {
  PublicKey key;
  protocol::Role role = protocol::Role::worker;
  ReputationState reputation;
  std::uint64_t jobs_done = 0;
  std::uint64_t jobs_failed = 0;
  std::uint64_t audits_passed = 0;
  std::uint64_t audits_failed = 0;
  bool blacklisted = false;
};

// A failed verdict whose slash waits (coordinator_core.hpp, PendingPenalty). The window is kept as
// the time it had left at its last write, not as a deadline: the coordinator's clock does not
// survive a restart, and its downtime should not eat the worker's chance to appeal.
struct JournaledPenalty {
  std::string audit_id;
  PublicKey worker;
  PublicKey validator;
  protocol::Job job;
  Digest output_hash{};
  std::string worker_class;
  std::optional<protocol::JobResult> commitment;  // pixels left out
  std::vector<protocol::AuditItem> plan;
  std::int64_t remaining_ms = 0;
  bool appealed = false;  // the worker's one appeal is used; its audit is (re)sent to a referee
  // The signed failed verdict told to the worker (put_notice); absent when it was journaled
  // before notices were, or cannot be read back.
  std::optional<protocol::Verdict> notice;
};

// Jobs delivered and failed over the journal's whole life: the status counters, which survive a
// restart because they are counted from the jobs table (rows are deleted only with requests that
// never had jobs).
struct JobTotals {
  std::uint64_t delivered = 0;
  std::uint64_t failed = 0;
};

// A client command's nonce, kept until the command expires (seen_commands.hpp), so that a
// restart does not make a copied command good again.
struct JournaledNonce {
  PublicKey payer;
  Digest nonce{};
  std::int64_t expires_unix_ms = 0;
};

class Journal {
 public:
  // Prompts are sealed at rest with the key in `prompt_key_file` (created when missing; empty:
  // "<path>.prompt-key" beside the journal, for tests and tools).
  // `durability` none: no fsync (the simulator's throw-away journal only; see storage::Durability).
  static Result<Journal> open(const std::string& path, const std::string& prompt_key_file = {},
                              storage::Durability durability = storage::Durability::full);
  Journal(Journal&&) noexcept;
  Journal& operator=(Journal&&) noexcept;
  ~Journal();

  // The request row (not its jobs).
  Result<void> put_request(const RequestState& request);
  // Only what changes once a written request is under way (phase, hold, quote, cancel, refund):
  // the rest is as submitted, and writing it again would seal its prompt and parameters again.
  Result<void> put_request_progress(const RequestState& request);
  Result<void> put_job(const std::string& request_id, const JobState& job);
  // Only the phase and the payment of a job whose row is written: what a settlement changes.
  Result<void> put_job_payment(const std::string& request_id, const JobState& job);
  // Every job of the request. A job need not be written until it leaves the queue: an active
  // request's job without a row reads back queued (load_requests), which spares the write of
  // every job when its request's hold is placed.
  Result<void> put_jobs(const RequestState& request);
  Result<void> delete_request(const std::string& request_id);
  // Blanks a request's prompt and negative prompt and records their hashes; once committed, no
  // sealed copy is left in the database or its WAL (secure_delete, then a truncating checkpoint).
  Result<void> erase_prompt(const std::string& request_id, const ErasedPrompt& erased);
  Result<void> put_node(const JournaledNode& node);
  // The job's verification record: commitment, audit plan, purpose and judged-by list.
  // load_requests puts it back into the JobState.
  Result<void> put_verification(const std::string& request_id, const JobState& job_state);
  // Writes the penalty's row, not its notice (written once, with put_notice).
  Result<void> put_penalty(const JournaledPenalty& penalty);
  // The penalty and its notice.
  Result<void> delete_penalty(const std::string& audit_id);
  // The failed verdict a pending penalty tells its worker, kept until the penalty ends, so a
  // restarted coordinator can tell a worker that never heard it.
  Result<void> put_notice(const protocol::Verdict& verdict);
  Result<void> put_slash(const protocol::LedgerOrder& order);
  Result<void> slash_done(const std::string& key);

  // Every request not done, plus the `recent_done` most recent done ones, in acceptance order.
  Result<std::vector<RequestState>> load_requests(std::size_t recent_done) const;
  Result<std::vector<JournaledNode>> load_nodes() const;
  Result<std::vector<protocol::LedgerOrder>> pending_slashes() const;
  Result<std::vector<JournaledPenalty>> load_penalties() const;
  // Whether a request of this id was ever journaled (done ones included). For an id not in the
  // core's memory: a new id is answered from memory (request_id_filter.hpp), without a read.
  Result<bool> knows_request(const std::string& request_id) const;
  // The task scripts requests were accepted with (journal_tasks.hpp), by id.
  Result<void> put_task_script(const std::string& script_id, const std::string& file_name,
                               const std::string& source);
  Result<std::optional<AcceptedScript>> find_task_script(const std::string& script_id) const;
  // The images a request carried, by the request, and one of them by id (journal_tasks.hpp).
  Result<void> put_input_images(const std::string& request_id,
                                const std::vector<RgbImage>& images);
  Result<std::optional<RgbImage>> find_input_image(const std::string& image_id) const;
  // A request's input images lose their pixels (rows and sizes stay, the record of the request);
  // `zero_pages` as for delete_result_image.
  Result<void> release_input_images(const std::string& request_id, bool zero_pages);
  // The requests whose input images still have their pixels.
  Result<std::vector<std::string>> requests_with_input_images() const;
  // Result images by their hash (journal_results.hpp), written in the transaction of the result
  // that names them.
  Result<void> put_result_image(const Digest& hash, std::span<const std::uint8_t> pixels);
  // The image log the result checkers write ahead into (ImageLog::append_held); none where images
  // are rows (PostgreSQL, the simulator's throw-away journal).
  std::shared_ptr<ImageLog> image_log() const;
  // A record a result checker wrote for a result about to be applied: put_result_image of its hash
  // names it instead of appending the pixels again. At the commit, every offered record is
  // released (ImageLog::release) and those nothing named are overwritten.
  void offer_result_image(const Digest& hash, const ImagePlace& place);
  Result<std::optional<std::vector<std::uint8_t>>> find_result_image(const Digest& hash) const;
  Result<bool> has_result_image(const Digest& hash) const;
  // `zero_pages`: the image's bytes are overwritten once the delete commits (in the image log, or
  // the freed pages with secure_delete), as a private image's must be; a public image's are only
  // let go, since zeroing 768 KiB costs as much as writing it.
  Result<void> delete_result_image(const Digest& hash, bool zero_pages = true);
  Result<std::vector<Digest>> result_image_hashes() const;
  Result<JobTotals> job_totals() const;
  // Also forgets the nonces of commands that expired by `now_unix_ms`.
  Result<void> put_command_nonce(const JournaledNonce& nonce, std::int64_t now_unix_ms);
  Result<std::vector<JournaledNonce>> load_command_nonces() const;
  // The audit sampler's secret salt, created on first open.
  Result<Digest> audit_salt();
  // Counts this opening of the journal (1 the first time) and commits it: audits handed out in
  // this run carry it, so a verdict on an earlier run's hand-out is told apart.
  Result<std::uint64_t> begin_run();
  std::uint64_t next_sequence() const;

  // Makes every write since the last commit durable.
  Result<void> commit();
  // As commit(), without waiting: the commit is queued behind the writes and `done` hears its
  // outcome where it ran (the journal's writer thread; at once where the journal has none).
  // Writes after it join the next transaction. A failed commit fails every later one.
  void commit_in_background(std::function<void(Result<void>)> done);
  bool pending() const;
  // A fault-test build told to hold every commit in flight (SEEDGRID_TEST_COMMIT_DELAY_MS): its
  // caller then keeps each commit in the background, where the tests look for it.
  static bool commits_held_for_fault_tests();

 private:
  struct State;
  explicit Journal(std::unique_ptr<State> state);
  Result<void> ensure_transaction();
  void queue_commit(std::function<void(Result<void>)> done, bool wake_writer);
  std::unique_ptr<State> state_;
};

}  // namespace seedgrid::coordinator
