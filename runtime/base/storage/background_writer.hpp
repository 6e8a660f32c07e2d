#pragma once
// Runs a SQLite connection's writes on a thread of their own, in the order they were queued, so
// the thread that owns the connection goes on with its work while SQLite executes them
// (OpenOptions::background_writer; the coordinator's journal, issue 17). Internal to storage/:
// Database, Statement and Transaction queue through it, and wait for it (drain) wherever the owner
// must see the writes' effects: before a read, a row count, a checkpoint, and a commit that
// returns once durable. A task (Database::queue: the coordinator's commit) runs in the queue's
// order too, and wakes the writer at once. A failed write is reported by every drain after it,
// and everything queued after it is skipped, a rollback included (a skipped task is told why):
// the connection is done, and its owner stops using it (a restarted coordinator resumes from what
// was committed; closing the connection rolls back).
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <variant>
#include <vector>

#include "runtime/base/storage/database.hpp"   // QueuedTask, TaskOutcome
#include "runtime/base/storage/statement.hpp"  // AfterRun, engine::Connection and engine::Query

namespace seedgrid::storage {

// A parameter as bound, kept until the writer binds it: null, an integer, text, or bytes. A
// statement's texts and blobs are copied into one buffer (BoundValues::bytes), so queueing a
// write allocates twice, not once per parameter.
struct BoundValue {
  enum class Kind : std::uint8_t { null, integer, text, blob };
  int index = 0;
  Kind kind = Kind::null;
  std::int64_t integer = 0;
  std::size_t start = 0, size = 0;  // a text's or blob's bytes in BoundValues::bytes
};
struct BoundValues {
  std::vector<BoundValue> values;
  std::string bytes;
  // Binds them to `query` (engine.hpp).
  void bind_to(engine::Query& query) const;
};

class BackgroundWriter {
 public:
  explicit BackgroundWriter(engine::Connection& connection);
  ~BackgroundWriter();  // runs what is queued, then stops
  BackgroundWriter(const BackgroundWriter&) = delete;
  BackgroundWriter& operator=(const BackgroundWriter&) = delete;

  // Returns empty buffers for the statement's next run: a run's, once the writer is done with it
  // (allocating them for every run, and freeing them on the writer, was a tenth of each thread).
  BoundValues run(engine::Query& query, BoundValues values, AfterRun after = {});
  void exec(std::string sql);
  // Wakes the writer: the owner goes on without waiting for the task, whose outcome is its call.
  // Not woken (`wake` false) for an owner that drains at once: it runs the task itself (wait()).
  void task(QueuedTask task, TaskOutcome outcome, bool wake = true);
  // Returns once everything queued has run: the first failure among it, if any.
  Result<void> drain();
  // As drain(), without the failure (the next drain reports it).
  void wait();

 private:
  struct Run {
    engine::Query* query;
    BoundValues values;
    AfterRun after;
  };
  struct Exec {
    std::string sql;
  };
  struct Task {
    QueuedTask task;
    TaskOutcome outcome;
  };
  using Item = std::variant<Run, Exec, Task>;

  // Queues `item`; a run's spare buffers, if any, come back in `spare`.
  void push(Item item, bool wake = false, BoundValues* spare = nullptr);
  void run_batch(std::unique_lock<std::mutex>& lock);
  void loop();
  Result<void> apply(Item& item);

  engine::Connection& connection_;
  std::mutex mutex_;
  std::condition_variable work_, idle_;  // work for the writer; a batch done
  std::vector<Item> queue_;
  std::vector<Item> batch_;           // the batch being run: used by one thread at a time (busy_)
  // The batch's runs' buffers, emptied (used as batch_ is); those the spares have no room for
  // are freed as the next batch starts, outside the lock.
  std::vector<BoundValues> emptied_;
  std::vector<BoundValues> spare_;    // emptied buffers of runs done, for the next runs
  bool busy_ = false;
  bool stopping_ = false;
  std::optional<Error> failed_;
  std::thread thread_;  // last: started once every member above exists
};

}  // namespace seedgrid::storage
