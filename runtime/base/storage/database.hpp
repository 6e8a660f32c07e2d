#pragma once
// A connection for seedgrid's durable state (ledger, coordinator journal, result index): an
// embedded SQLite file by default, or a PostgreSQL database when the location is a
// `postgresql://` URI (engine_sql.hpp: the SQL both accept). SQLite is opened in WAL mode with
// synchronous=FULL, PostgreSQL with its durable commit: a committed transaction survives a
// process kill or a power cut, and readers never block the writer. Errors are values that quote
// the SQL and the engine's own message. A connection (and its statements) may move between
// threads but must be used by one thread at a time.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "models/result.hpp"
#include "runtime/base/storage/statement.hpp"

namespace seedgrid::storage {

namespace engine {
class Connection;
}
class BackgroundWriter;

enum class Engine : std::uint8_t { sqlite, postgres };

// `postgresql://...` or `postgres://...` names a PostgreSQL database; anything else is a file.
Engine engine_of(std::string_view location);

// Checks a location as far as can be done without opening or creating anything (node --check): a
// file already there is a SQLite database; a URI parses and holds no password. Whether the server
// answers is known only at start.
Result<void> check_location(const std::string& location);

// Whether a commit survives a crash. `full` (WAL, synchronous=FULL) is the only choice for a node's
// state. `none` (rollback journal in memory, synchronous=OFF) is for the virtual-time simulator
// alone, whose files live in a throw-away folder that no other
// connection reads during the run and nothing reads after it: a crash there loses nothing that
// matters, and the WAL's double writes, locks and fsyncs are pure cost (issue 17).
enum class Durability : std::uint8_t { full, none };

struct OpenOptions {
  bool read_only = false;       // never writes (and never creates the file)
  bool create = true;           // create the file if it does not exist (ignored when read_only)
  int busy_timeout_ms = 5'000;  // how long to wait for another connection's write lock
  Durability durability = Durability::full;
  // SQLite's page size for a file this creates (0: SQLite's 4 KiB); an existing file keeps its
  // own. PostgreSQL ignores it.
  std::uint32_t page_size = 0;
  // A durable SQLite file's WAL is copied back into it once it holds this many pages, on a
  // thread of its own (wal_checkpointer.hpp). PostgreSQL ignores it.
  std::uint32_t wal_checkpoint_pages = 4'000;
  // SQLite's writes run on a thread of their own, in order (background_writer.hpp): a statement's
  // run() and exec() queue and return, and a read, a row count, a checkpoint or a commit waits
  // for what is queued. The connection then serialises its calls (SQLite's FULLMUTEX), since two
  // threads use it. PostgreSQL and read-only connections ignore it.
  bool background_writer = false;
};

// Checkpoints of a SQLite file's WAL since it was opened: by the background thread, and by the
// writer itself when the WAL outgrew the thread (four times wal_checkpoint_pages).
struct CheckpointCounts {
  std::uint64_t in_background = 0;
  std::uint64_t by_writer = 0;
};

// What a queued task (Database::queue) may do on the connection. It runs where the writes run,
// in their order, so these neither queue nor wait.
class InPlace {
 public:
  explicit InPlace(engine::Connection& connection) : connection_(connection) {}
  Result<void> exec(std::string_view sql);
  Result<bool> empty_log();  // as Database::empty_log

 private:
  engine::Connection& connection_;
};
using QueuedTask = std::function<Result<void>(InPlace&)>;
using TaskOutcome = std::function<void(Result<void>)>;

class Database {
 public:
  static Result<Database> open(const std::string& path, OpenOptions options = {});

  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  // Runs SQL text without parameters (several statements allowed), e.g. a schema.
  Result<void> exec(std::string_view sql);
  // Waits for the background writer's queue (OpenOptions::background_writer): the first failure
  // among what it ran, if any. At once without a background writer.
  Result<void> drain();
  // Runs `task` after every write queued before it and hands `outcome` what it returned, or the
  // failure of a write before it (which skips it): on the background writer's thread, or at once
  // in place without one. A failed task fails every later drain, as a failed write does. For work
  // that must follow the writes without the owner waiting for them (Journal::commit_in_background).
  // An owner that drains at once passes `wake_writer` false and runs the task itself, sparing the
  // writer thread's wake-up and its own (Journal::commit).
  void queue(QueuedTask task, TaskOutcome outcome, bool wake_writer = true);
  Result<Statement> prepare(std::string_view sql);

  // The file, or the PostgreSQL URI (which never holds a password: see engine_of).
  const std::string& path() const { return path_; }
  bool read_only() const { return read_only_; }
  Engine engine() const { return engine_; }
  // Rows changed by the last INSERT, UPDATE or DELETE.
  std::int64_t changes() const;
  // Copies every committed page of the WAL back and empties it, so no earlier version of a page
  // stays on disk there (an erasure's). False when another connection was in the way (try again
  // later). True at once on PostgreSQL, which has no such file of its own.
  Result<bool> empty_log();
  CheckpointCounts checkpoints() const;

 private:
  Database(std::unique_ptr<engine::Connection> connection, std::string path, bool read_only,
           Engine engine);
  std::unique_ptr<engine::Connection> connection_;
  std::unique_ptr<BackgroundWriter> writer_;  // after the connection: it stops first
  std::string path_;
  bool read_only_ = false;
  Engine engine_ = Engine::sqlite;
};

}  // namespace seedgrid::storage
