#pragma once
// A prepared statement. Parameters are 1-based like SQLite's. A bind that fails is remembered and
// reported by the next step()/run(), so binding chains read as one expression:
//   auto st = db.prepare("INSERT INTO t(a, b) VALUES(?, ?)");
//   if (auto r = st->bind(1, a).bind(2, b).run(); !r) return r;
// Columns are 0-based. reset() makes the statement reusable with new parameters.
//
// On a database with a background writer (OpenOptions::background_writer) run() queues the
// statement with its parameters and returns at once (a failure is reported by the next commit,
// read or drain), and step() first waits for the writes queued before it, so a read sees them.
// On PostgreSQL, run() inside a transaction sends the statement without waiting for the server's
// answer (libpq's pipeline): its failure comes with the connection's next read, exec or commit.
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "models/result.hpp"

namespace seedgrid::storage {

namespace engine {
class Connection;
class Query;
}  // namespace engine
class BackgroundWriter;
struct BoundValue;
struct BoundValues;

// Called once the statement ran, with the rows it changed (on a background writer's thread).
using AfterRun = std::function<void(std::int64_t changes)>;

class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
  Statement& bind(int index, const std::string& text) {
    return bind(index, std::string_view(text));
  }
  Statement& bind_blob(int index, std::span<const std::uint8_t> bytes);
  Statement& bind_null(int index);

  // Advances: true when a row is ready to read, false when the statement is done.
  Result<bool> step();
  // Steps to the end (for statements whose rows, if any, are not wanted), then resets.
  Result<void> run();
  // As run(), then tells `after` how many rows it changed.
  Result<void> run(AfterRun after);
  // Resets for another execution and clears the bindings.
  void reset();

  std::int64_t column_int64(int column) const;
  std::string column_text(int column) const;
  std::vector<std::uint8_t> column_blob(int column) const;
  bool column_is_null(int column) const;

  std::string_view sql() const;

 private:
  friend class Database;
  Statement(std::unique_ptr<engine::Query> query, engine::Connection* connection,
            BackgroundWriter* writer);
  void bind_later(BoundValue value, std::string_view bytes = {});
  std::unique_ptr<engine::Query> query_;
  engine::Connection* connection_ = nullptr;
  BackgroundWriter* writer_ = nullptr;
  // Bound, not yet given to the writer or the query (with a background writer only).
  std::unique_ptr<BoundValues> pending_;
};

// Resets a statement on every way out of a read, so it can be bound again next time.
struct ResetAtExit {
  Statement& statement;
  ~ResetAtExit() { statement.reset(); }
};

}  // namespace seedgrid::storage
