// The journal's commit (Journal::commit, Journal::commit_in_background): one task queued behind
// the transaction's writes that settles the image log, commits, counts the log's names and
// checkpoints after an erasure, where the writes run (docs/coordinator-speed.md, "The
// coordinator's own thread").
#include <chrono>
#include <cstdlib>
#include <optional>
#include <thread>
#include <utility>

#include "actors/coordinator/journal.hpp"
#include "actors/coordinator/journal_results.hpp"
#include "actors/coordinator/journal_state.hpp"
#include "runtime/base/storage/database.hpp"

namespace seedgrid::coordinator {

namespace {

// Fault tests hold every commit in flight for SEEDGRID_TEST_COMMIT_DELAY_MS milliseconds, so the
// coordinator handles messages while a commit is running (client_command_replay_test.cpp). Never
// in a build without SEEDGRID_TEST_FAULTS.
long commit_delay_for_fault_tests_ms() {
#ifdef SEEDGRID_TEST_FAULTS
  static const long delay_ms = [] {
    const char* v = std::getenv("SEEDGRID_TEST_COMMIT_DELAY_MS");
    return v ? std::strtol(v, nullptr, 10) : 0L;
  }();
  return delay_ms;
#else
  return 0;
#endif
}

void hold_commit_for_fault_tests() {
  if (const long delay_ms = commit_delay_for_fault_tests_ms(); delay_ms > 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
}

}  // namespace

bool Journal::commits_held_for_fault_tests() { return commit_delay_for_fault_tests_ms() > 0; }

Result<void> Journal::commit() {
  std::optional<Result<void>> outcome;
  // This thread runs the commit in drain(): the writer is not woken for it.
  queue_commit([&](Result<void> r) { outcome = std::move(r); }, false);
  (void)state_->db.drain();  // the commit has run (or was skipped, and told why) once it returns
  return *outcome;
}

void Journal::commit_in_background(std::function<void(Result<void>)> done) {
  queue_commit(std::move(done), true);
}

void Journal::queue_commit(std::function<void(Result<void>)> done, bool wake_writer) {
  State& s = *state_;
  const bool commit = s.tx.has_value();
  const bool checkpoint =
      std::exchange(s.checkpoint_after_commit, false) || s.checkpoint_again.exchange(false);
  if (!commit && !checkpoint && s.log_changes.empty()) return done({});
  if (commit) {
    s.tx->hand_over();  // committed by the task below
    s.tx.reset();
  }
  // The state outlives the task: ~State waits for the writer.
  auto task = [state = &s, changes = std::exchange(s.log_changes, {}), commit,
               checkpoint](storage::InPlace& db) -> Result<void> {
    hold_commit_for_fault_tests();
    ImageLog* log = state->image_log.get();
    if (log)
      if (auto r = journal_results::before_commit(*log, changes); !r) return r;
    if (commit)
      if (auto r = db.exec("COMMIT"); !r) {
        // A failed COMMIT can leave the transaction open (e.g. SQLITE_BUSY).
        (void)db.exec("ROLLBACK");
        return r;
      }
    if (log)
      if (auto a = journal_results::after_commit(*log, state->log_use, changes); !a)
        return context(a.error(), "after the commit");
    // The WAL's earlier frames still hold the pages as they were before an erasure: copy the
    // pages back and empty it. Not done (a reader or the background checkpoint in the way) is
    // tried again after the next commit, as is a failure: the commit itself has happened.
    if (checkpoint)
      if (auto emptied = db.empty_log(); !emptied || !*emptied) state->checkpoint_again = true;
    return {};
  };
  s.db.queue(
      std::move(task),
      [done = std::move(done)](Result<void> r) {
        if (!r) return done(context(r.error(), "committing the coordinator journal"));
        done({});
      },
      wake_writer);
}

}  // namespace seedgrid::coordinator
