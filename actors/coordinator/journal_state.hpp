#pragma once
// The journal's open database and prepared statements, shared by the files that implement
// Journal (journal_open.cpp: opening it; journal.cpp: requests, jobs, nodes, the run;
// journal_verification.cpp: audits, penalties, notices and slashes). Not for other includes.
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "actors/coordinator/journal.hpp"
#include "actors/coordinator/journal_results.hpp"
#include "actors/coordinator/journal_tasks.hpp"
#include "actors/coordinator/request_id_filter.hpp"
#include "runtime/base/crypto/secret_box.hpp"
#include "runtime/base/storage/database.hpp"
#include "runtime/base/storage/sole_owner.hpp"
#include "runtime/base/storage/statement.hpp"
#include "runtime/base/storage/transaction.hpp"

namespace seedgrid::coordinator {

struct Journal::State {
  storage::SoleOwnership owner;  // first: let go after the database closes
  storage::Database db;
  SecretBox prompts;
  std::optional<storage::Transaction> tx;
  storage::Statement put_request, put_job, delete_request, delete_jobs, put_node, put_slash,
      slash_done;
  storage::Statement put_verification, delete_verification, put_penalty, delete_penalty;
  storage::Statement put_notice, delete_notice, find_request, put_job_payment, put_request_progress;
  journal_tasks::Statements tasks;
  journal_results::Statements images;
  std::uint64_t next_sequence = 1;
  bool checkpoint_after_commit = false;  // an erasure is in the WAL's older frames
  // A durable SQLite journal's result images (journal_results.hpp); none on PostgreSQL and in the
  // simulator's throw-away journal. Shared with the result checkers, which append to it.
  std::shared_ptr<ImageLog> image_log;
  journal_results::LogUse log_use;          // the commits' own: touched where they run
  journal_results::LogChanges log_changes;  // the open transaction's
  // A checkpoint after a commit that did not empty the WAL (another reader in the way, or a
  // failure): tried again after the next one. Set where the commit ran.
  std::atomic<bool> checkpoint_again = false;
  RequestIdFilter request_ids{};  // every id put, from the journal's first open (knows_request)

  // The journal's commits may still be queued on its writer, and they use the members above.
  ~State() { (void)db.drain(); }
};

// Runs a delete with `PRAGMA secure_delete` off when `zero_pages` is false (a public image's
// pages are freed, not overwritten), on again after it whether or not it went through.
template <class Delete>
Result<void> delete_zeroing_or_not(storage::Database& db, bool zero_pages, Delete&& del) {
  if (!zero_pages)
    if (auto r = db.exec("PRAGMA secure_delete=OFF"); !r) return r;
  Result<void> w = del();
  if (!zero_pages)
    if (auto r = db.exec("PRAGMA secure_delete=ON"); !r) return r;
  return w;
}

// Puts each job's verification record back into a loaded request (journal_verification.cpp).
Result<void> load_verification(storage::Database& db, const SecretBox& box, RequestState& r);

}  // namespace seedgrid::coordinator
