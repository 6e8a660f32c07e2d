#pragma once
// What a storage engine implements behind Database and Statement (internal to storage/): SQLite
// for the embedded default, PostgreSQL when the operator names a `postgresql://` database.
// Callers write one SQL text for both (engine_sql.hpp says which dialect that is).
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "models/result.hpp"
#include "runtime/base/storage/database.hpp"

namespace seedgrid::storage {

namespace engine {

// One prepared statement. A bind that fails is remembered and reported by the next step().
class Query {
 public:
  virtual ~Query() = default;
  virtual void bind_int64(int index, std::int64_t value) = 0;
  virtual void bind_text(int index, std::string_view text) = 0;
  virtual void bind_blob(int index, std::span<const std::uint8_t> bytes) = 0;
  virtual void bind_null(int index) = 0;
  virtual Result<bool> step() = 0;
  // A write whose rows nobody reads, sent without waiting for its outcome when the engine can
  // (true): its failure, and `after` with the rows it changed, come with the connection's next
  // read, exec or commit. False: the engine did nothing, and the caller steps it.
  virtual Result<bool> send(std::function<void(std::int64_t)>& after) {
    (void)after;
    return false;
  }
  virtual void reset() = 0;  // ready to run again, bindings cleared
  virtual std::int64_t column_int64(int column) const = 0;
  virtual std::string column_text(int column) const = 0;
  virtual std::vector<std::uint8_t> column_blob(int column) const = 0;
  virtual bool column_is_null(int column) const = 0;
  virtual std::string_view sql() const = 0;
};

class Connection {
 public:
  virtual ~Connection() = default;
  virtual Result<void> exec(std::string_view sql) = 0;
  virtual Result<std::unique_ptr<Query>> prepare(std::string_view sql) = 0;
  virtual std::int64_t changes() const = 0;
  virtual Result<bool> empty_log() { return true; }
  virtual CheckpointCounts checkpoints() const { return {}; }
};

Result<std::unique_ptr<Connection>> open_sqlite(const std::string& path,
                                                const OpenOptions& options);
Result<std::unique_ptr<Connection>> open_postgres(const std::string& uri,
                                                  const OpenOptions& options);

// What can be known without opening anything (node --check): a file that exists is a SQLite
// database; a URI parses and holds no password.
Result<void> check_sqlite_file(const std::string& path);
Result<void> check_postgres_uri(const std::string& uri);

}  // namespace engine
}  // namespace seedgrid::storage
