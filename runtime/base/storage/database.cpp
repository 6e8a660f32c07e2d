#include "runtime/base/storage/database.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <utility>

namespace seedgrid::storage {

Error sqlite_error(sqlite3* db, std::string_view sql) {
  const char* file = db ? sqlite3_db_filename(db, "main") : nullptr;
  const int code = db ? sqlite3_extended_errcode(db) : SQLITE_MISUSE;
  return Error{message_of("SQLite error in ", (file && *file) ? file : ":memory:", " running `",
                          sql, "`: ", db ? sqlite3_errmsg(db) : "no connection", " (code ", code,
                          ")")};
}

namespace {

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

}  // namespace

Database::Database(sqlite3* db, std::string path, bool read_only)
    : db_(db), path_(std::move(path)), read_only_(read_only) {}

Result<Database> Database::open(const std::string& path, OpenOptions options) {
  // A connection is used by one thread at a time (its owner serialises calls): no per-call mutex.
  int flags = SQLITE_OPEN_NOMUTEX;
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
  Database db(raw, path, options.read_only);
  sqlite3_busy_timeout(raw, options.busy_timeout_ms);
  sqlite3_extended_result_codes(raw, 1);
  const bool durable = options.durability == Durability::full;
  if (!options.read_only && !durable) {
    // The simulator's throw-away file: the rollback journal in memory (a transaction still rolls
    // back; only a crash is not survived). Each page a commit dirties is written once, to the
    // file, instead of to the WAL and again at its checkpoint, and a large cache keeps the growing
    // tables off the disk reads. Not locking_mode=EXCLUSIVE (it would save the lock calls): the
    // simulator's tests corrupt its ledger through a second connection.
    auto mode = pragma_text(raw, "PRAGMA journal_mode=MEMORY");
    if (!mode) return context(mode.error(), "opening ", path);
    if (*mode != "memory")
      return fail("database ", path, " cannot keep its journal in memory (journal_mode is '",
                  *mode, "')");
    if (auto r = db.exec("PRAGMA cache_size=-262144;"); !r)
      return context(r.error(), "opening ", path);
  } else if (!options.read_only) {
    auto mode = pragma_text(raw, "PRAGMA journal_mode=WAL");
    if (!mode) return context(mode.error(), "opening ", path);
    if (*mode != "wal")
      return fail("database ", path, " cannot use WAL mode (journal_mode is '", *mode,
                  "'); is it on a file system without shared memory support?");
  }
  // FULL: every commit fsyncs the WAL, so a committed transaction survives a crash. OFF only
  // where the caller said the file need not survive one (Durability::none, the simulator).
  if (auto r = db.exec(!durable ? "PRAGMA synchronous=OFF; PRAGMA foreign_keys=ON;"
                           : "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
      !r)
    return context(r.error(), "opening ", path);
  // Reading a file that is not a database fails here rather than at the first query.
  if (auto r = pragma_text(raw, "PRAGMA schema_version"); !r)
    return context(r.error(), "opening ", path);
  return db;
}

Database::Database(Database&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)),
      path_(std::move(other.path_)),
      read_only_(other.read_only_) {}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    close();
    db_ = std::exchange(other.db_, nullptr);
    path_ = std::move(other.path_);
    read_only_ = other.read_only_;
  }
  return *this;
}

Database::~Database() { close(); }

void Database::close() {
  // Statements must be finalised first; sqlite3_close_v2 defers the close until they are.
  if (db_) sqlite3_close_v2(db_);
  db_ = nullptr;
}

Result<void> Database::exec(std::string_view sql) {
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

Result<Statement> Database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                         &stmt, nullptr) != SQLITE_OK)
    return std::unexpected(sqlite_error(db_, sql));
  if (!stmt) return fail("SQL text `", sql, "` holds no statement");
  return Statement(db_, stmt);
}

std::int64_t Database::changes() const { return sqlite3_changes64(db_); }

}  // namespace seedgrid::storage
