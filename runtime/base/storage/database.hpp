#pragma once
// A SQLite connection for seedgrid's durable state (ledger, coordinator journal, result index).
// Opened in WAL mode with synchronous=FULL: a committed transaction survives a process kill or a
// power cut, and readers in other processes never block the writer. Errors are values that quote
// the SQL and SQLite's own message. A connection (and its statements) may move between threads
// but must be used by one thread at a time.
#include <cstdint>
#include <string>
#include <string_view>

#include "models/result.hpp"
#include "runtime/base/storage/statement.hpp"

struct sqlite3;

namespace seedgrid::storage {

// Whether a commit survives a crash. `full` (WAL, synchronous=FULL) is the only choice for a node's
// state. `none` (rollback journal in memory, synchronous=OFF, a large cache) is for
// the virtual-time simulator alone, whose files live in a throw-away folder that no other
// connection reads during the run and nothing reads after it: a crash there loses nothing that
// matters, and the WAL's double writes, locks and fsyncs are pure cost (issue 17).
enum class Durability : std::uint8_t { full, none };

struct OpenOptions {
  bool read_only = false;       // never writes (and never creates the file)
  bool create = true;           // create the file if it does not exist (ignored when read_only)
  int busy_timeout_ms = 5'000;  // how long to wait for another connection's write lock
  Durability durability = Durability::full;
};

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
  Result<Statement> prepare(std::string_view sql);

  const std::string& path() const { return path_; }
  bool read_only() const { return read_only_; }
  // Rows changed by the last INSERT, UPDATE or DELETE.
  std::int64_t changes() const;
  sqlite3* handle() const { return db_; }

 private:
  Database(sqlite3* db, std::string path, bool read_only);
  void close();
  sqlite3* db_ = nullptr;
  std::string path_;
  bool read_only_ = false;
};

// "SQLite error in PATH running `SQL`: MESSAGE (code N)" for the last error on the connection.
Error sqlite_error(sqlite3* db, std::string_view sql);

}  // namespace seedgrid::storage
