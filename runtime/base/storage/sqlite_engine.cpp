// The embedded engine: one SQLite file in WAL mode (or, for the simulator's throw-away files,
// Durability::none).
#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <utility>

#include "runtime/base/storage/database.hpp"
#include "runtime/base/storage/engine.hpp"
#include "runtime/base/storage/wal_checkpointer.hpp"

namespace seedgrid::storage::engine {

namespace {

// "SQLite error in PATH running `SQL`: MESSAGE (code N)" for the last error on the connection.
Error sqlite_error(sqlite3* db, std::string_view sql) {
  const char* file = db ? sqlite3_db_filename(db, "main") : nullptr;
  const int code = db ? sqlite3_extended_errcode(db) : SQLITE_MISUSE;
  return Error{message_of("SQLite error in ", (file && *file) ? file : ":memory:", " running `",
                          sql, "`: ", db ? sqlite3_errmsg(db) : "no connection", " (code ", code,
                          ")")};
}

// A pragma whose answer must be checked: SQLite ignores a journal_mode it cannot set.
Result<std::string> pragma_text(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK)
    return std::unexpected(sqlite_error(db, sql));
  std::string value;
  const int rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW) {
    const auto* text = sqlite3_column_text(stmt, 0);
    if (text) value = reinterpret_cast<const char*>(text);
  } else if (rc != SQLITE_DONE) {
    Error e = sqlite_error(db, sql);
    sqlite3_finalize(stmt);
    return std::unexpected(e);
  }
  sqlite3_finalize(stmt);
  return value;
}

class SqliteQuery final : public Query {
 public:
  SqliteQuery(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~SqliteQuery() override { sqlite3_finalize(stmt_); }

  void bind_int64(int index, std::int64_t value) override {
    note_bind(sqlite3_bind_int64(stmt_, index, value), index);
  }
  void bind_text(int index, std::string_view text) override {
    note_bind(sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT,
                                  SQLITE_UTF8),
              index);
  }
  void bind_blob(int index, std::span<const std::uint8_t> bytes) override {
    // A zero-length blob must still be a blob, not NULL: SQLite needs a non-null pointer for that.
    static const std::uint8_t empty = 0;
    note_bind(sqlite3_bind_blob64(stmt_, index, bytes.empty() ? &empty : bytes.data(),
                                  bytes.size(), SQLITE_TRANSIENT),
              index);
  }
  void bind_null(int index) override { note_bind(sqlite3_bind_null(stmt_, index), index); }

  Result<bool> step() override {
    if (!bind_error_.empty()) {
      Error e{message_of("SQL `", sql(), "`: ", bind_error_)};
      bind_error_.clear();
      sqlite3_reset(stmt_);
      return std::unexpected(e);
    }
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    Error e = sqlite_error(db_, sql());
    sqlite3_reset(stmt_);
    return std::unexpected(e);
  }
  void reset() override {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    bind_error_.clear();
  }

  std::int64_t column_int64(int column) const override {
    return sqlite3_column_int64(stmt_, column);
  }
  std::string column_text(int column) const override {
    const auto* text = sqlite3_column_text(stmt_, column);
    if (!text) return {};
    return std::string(reinterpret_cast<const char*>(text),
                       static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
  }
  std::vector<std::uint8_t> column_blob(int column) const override {
    const auto* bytes = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, column));
    const int n = sqlite3_column_bytes(stmt_, column);
    if (!bytes || n <= 0) return {};
    return std::vector<std::uint8_t>(bytes, bytes + n);
  }
  bool column_is_null(int column) const override {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
  }
  std::string_view sql() const override {
    const char* text = sqlite3_sql(stmt_);
    return text ? std::string_view(text) : std::string_view("(finalised statement)");
  }

 private:
  void note_bind(int rc, int index) {
    if (rc != SQLITE_OK && bind_error_.empty())
      bind_error_ = message_of("cannot bind parameter ", index, ": ", sqlite3_errstr(rc));
  }
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  std::string bind_error_;
};

class SqliteConnection final : public Connection {
 public:
  SqliteConnection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  // Statements must be finalised first; sqlite3_close_v2 defers the close until they are. The
  // checkpointer's connection closes first, so the writer's close, the last, empties the WAL.
  ~SqliteConnection() override {
    if (checkpointer_) sqlite3_wal_hook(db_, nullptr, nullptr);  // it points at the checkpointer
    checkpointer_.reset();
    sqlite3_close_v2(db_);
  }

  void checkpoint_in_background(std::uint32_t threshold_pages) {
    const char* file = sqlite3_db_filename(db_, "main");
    checkpointer_ = std::make_unique<WalCheckpointer>(file ? file : path_, threshold_pages);
    checkpointer_->watch(db_);
  }

  Result<void> exec(std::string_view sql) override {
    const std::string text(sql);
    char* message = nullptr;
    if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      Error e{message_of("SQLite error in ", path_, " running `", sql,
                         "`: ", message ? message : sqlite3_errmsg(db_), " (code ",
                         sqlite3_extended_errcode(db_), ")")};
      sqlite3_free(message);
      return std::unexpected(e);
    }
    return {};
  }
  Result<std::unique_ptr<Query>> prepare(std::string_view sql) override {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                           SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK)
      return std::unexpected(sqlite_error(db_, sql));
    if (!stmt) return fail("SQL text `", sql, "` holds no statement");
    return std::unique_ptr<Query>(new SqliteQuery(db_, stmt));
  }
  std::int64_t changes() const override { return sqlite3_changes64(db_); }

  Result<bool> empty_log() override {
    const int rc =
        sqlite3_wal_checkpoint_v2(db_, "main", SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
    if (rc == SQLITE_BUSY) return false;  // a reader or another checkpoint in the way
    if (rc != SQLITE_OK) return std::unexpected(sqlite_error(db_, "checkpoint (TRUNCATE)"));
    return true;
  }
  CheckpointCounts checkpoints() const override {
    return checkpointer_ ? checkpointer_->counts() : CheckpointCounts{};
  }

 private:
  sqlite3* db_;
  std::string path_;
  std::unique_ptr<WalCheckpointer> checkpointer_;
};

// SQLite counts every allocation for sqlite3_memory_used() under one process-wide mutex: the
// coordinator's and the treasury's threads took it at each of their statements' allocations and
// woke each other on it. Nothing here reads those counts. Set once, before SQLite initialises;
// should anything have initialised it first, the call is refused and the counts stay on.
void stop_counting_allocations() {
  static const int once = [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return sqlite3_initialize();
  }();
  (void)once;
}

}  // namespace

Result<void> check_sqlite_file(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path file(path);
  const auto status = fs::status(file, ec);
  if (!fs::exists(status)) return {};  // created at start
  if (!fs::is_regular_file(status)) return fail("database ", path, " is not a regular file");
  // Every SQLite 3 database starts with this; an empty file becomes one when first written.
  constexpr char kHeader[] = "SQLite format 3";
  char header[sizeof kHeader] = {};
  std::ifstream in(file, std::ios::binary);
  if (!in) return fail("database ", path, " cannot be read");
  in.read(header, sizeof header);
  if (in.gcount() == 0) return {};
  if (in.gcount() < static_cast<std::streamsize>(sizeof header) ||
      std::memcmp(header, kHeader, sizeof header) != 0)
    return fail("database ", path, " exists but is not a SQLite database");
  return {};
}

Result<std::unique_ptr<Connection>> open_sqlite(const std::string& path,
                                                const OpenOptions& options) {
  stop_counting_allocations();
  // A connection is used by one thread at a time (its owner serialises calls): no per-call mutex,
  // unless its writes run on a background writer's thread (OpenOptions::background_writer).
  int flags =
      options.background_writer && !options.read_only ? SQLITE_OPEN_FULLMUTEX : SQLITE_OPEN_NOMUTEX;
  if (options.read_only) {
    flags |= SQLITE_OPEN_READONLY;
  } else {
    flags |= SQLITE_OPEN_READWRITE;
    if (options.create) {
      flags |= SQLITE_OPEN_CREATE;
      // Created owner-only whatever the umask (journals hold requests, ledgers balances); SQLite
      // gives its -wal and -shm files the database file's mode.
      if (!path.empty() && path != ":memory:" && !path.starts_with("file:")) {
        const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        if (fd >= 0) ::close(fd);
      }
    }
  }
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    sqlite3_close(raw);
    return fail("cannot open database ", path, ": ", message,
                options.read_only || !options.create ? " (it must already exist)" : "");
  }
  auto db = std::make_unique<SqliteConnection>(raw, path);
  sqlite3_busy_timeout(raw, options.busy_timeout_ms);
  sqlite3_extended_result_codes(raw, 1);
  const bool durable = options.durability == Durability::full;
  if (!options.read_only && !durable) {
    // The simulator's throw-away file: the rollback journal in memory (a transaction still rolls
    // back; only a crash is not survived). Each page a commit dirties is written once, to the
    // file, instead of to the WAL and again at its checkpoint. The page cache stays at SQLite's
    // default: a 256 MiB one cost 10 % more CPU at each commit and 2.5x the memory of a 50,000-job
    // run (bench/RESULTS.md, simulator). Not locking_mode=EXCLUSIVE (it would save the lock
    // calls): the simulator's tests corrupt its ledger through a second connection.
    auto mode = pragma_text(raw, "PRAGMA journal_mode=MEMORY");
    if (!mode) return context(mode.error(), "opening ", path);
    if (*mode != "memory")
      return fail("database ", path, " cannot keep its journal in memory (journal_mode is '",
                  *mode, "')");
  } else if (!options.read_only) {
    // Before WAL: a file's page size is fixed when its first table is written, and an existing
    // file ignores the pragma.
    if (options.page_size != 0)
      if (auto r = pragma_text(raw, "PRAGMA page_size=" + std::to_string(options.page_size)); !r)
        return context(r.error(), "opening ", path);
    auto mode = pragma_text(raw, "PRAGMA journal_mode=WAL");
    if (!mode) return context(mode.error(), "opening ", path);
    if (*mode != "wal")
      return fail("database ", path, " cannot use WAL mode (journal_mode is '", *mode,
                  "'); is it on a file system without shared memory support?");
  }
  // FULL: every commit fsyncs the WAL, so a committed transaction survives a crash. OFF only
  // where the caller said the file need not survive one (Durability::none, the simulator).
  // A durable file gets a 16 MiB page cache and checkpoints its WAL every 4,000 pages instead of
  // 1,000 (a hot page rewritten by many commits is copied back once per checkpoint): with result
  // images in the coordinator's journal, SQLite's reads fell 24 % and its writes 6 % per job in
  // the dispatch bench (bench/RESULTS.md, session 21). The checkpoints run on a thread of their
  // own (wal_checkpointer.hpp), not in the commit that passes the threshold.
  if (auto r = db->exec(!durable ? "PRAGMA synchronous=OFF; PRAGMA foreign_keys=ON;"
                                 : "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
                                   "PRAGMA cache_size=-16384;");
      !r)
    return context(r.error(), "opening ", path);
  // Reading a file that is not a database fails here rather than at the first query.
  if (auto r = pragma_text(raw, "PRAGMA schema_version"); !r)
    return context(r.error(), "opening ", path);
  if (durable && !options.read_only) db->checkpoint_in_background(options.wal_checkpoint_pages);
  return std::unique_ptr<Connection>(std::move(db));
}

}  // namespace seedgrid::storage::engine
