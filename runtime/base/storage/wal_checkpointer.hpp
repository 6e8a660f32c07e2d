#pragma once
// Copies a durable SQLite file's WAL back into the database on a thread of its own (internal to
// storage/). SQLite's own automatic checkpoint runs inside the commit that passes the threshold, on
// the writer's thread: at 512 x 512 that was a third of the coordinator actor's work and a
// latency spike for every job whose commit drew it (bench/RESULTS.md, session 26). Here the
// writer's commit only signals; a second connection to the same file runs a PASSIVE checkpoint,
// which never blocks the writer and copies only what is committed.
//
// The WAL restarts from its beginning only when a checkpoint has copied all of it before the next
// write. A writer that outpaces the thread would grow it without bound, so past four times the
// threshold the writer checkpoints itself, as SQLite would have.
#include <sqlite3.h>

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "runtime/base/storage/database.hpp"

namespace seedgrid::storage::engine {

class WalCheckpointer {
 public:
  // `file`: the database's absolute path (sqlite3_db_filename); `threshold_pages` > 0.
  WalCheckpointer(std::string file, std::uint32_t threshold_pages);
  ~WalCheckpointer();  // waits for a checkpoint under way, then closes its connection
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Installs the commit hook on the writer's connection (which must outlive nothing of this).
  void watch(sqlite3* writer);

  CheckpointCounts counts() const;

 private:
  static int on_commit(void* self, sqlite3* writer, const char* schema, int pages);
  void request();
  void run();
  void checkpoint();

  const std::string file_;
  const std::uint32_t threshold_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool wanted_ = false;
  bool stopping_ = false;
  CheckpointCounts counts_;
  std::thread thread_;      // started at the first request: short-lived connections never need it
  sqlite3* own_ = nullptr;  // the thread's connection, opened there
};

}  // namespace seedgrid::storage::engine
