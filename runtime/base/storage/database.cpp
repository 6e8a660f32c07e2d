#include "runtime/base/storage/database.hpp"

#include <utility>

#include "runtime/base/storage/background_writer.hpp"
#include "runtime/base/storage/engine.hpp"

namespace seedgrid::storage {

Engine engine_of(std::string_view location) {
  return location.starts_with("postgresql://") || location.starts_with("postgres://")
             ? Engine::postgres
             : Engine::sqlite;
}

Result<void> check_location(const std::string& location) {
  return engine_of(location) == Engine::postgres ? engine::check_postgres_uri(location)
                                                 : engine::check_sqlite_file(location);
}

Database::Database(std::unique_ptr<engine::Connection> connection, std::string path,
                   bool read_only, Engine engine)
    : connection_(std::move(connection)),
      path_(std::move(path)),
      read_only_(read_only),
      engine_(engine) {}

Result<Database> Database::open(const std::string& path, OpenOptions options) {
  const Engine engine = engine_of(path);
  auto connection = engine == Engine::postgres ? engine::open_postgres(path, options)
                                               : engine::open_sqlite(path, options);
  if (!connection) return pass_on(connection);
  Database db(std::move(*connection), path, options.read_only, engine);
  if (options.background_writer && engine == Engine::sqlite && !options.read_only)
    db.writer_ = std::make_unique<BackgroundWriter>(*db.connection_);
  return db;
}

Database::Database(Database&& other) noexcept = default;
Database& Database::operator=(Database&& other) noexcept {
  writer_.reset();  // it stops before the connection it writes on goes
  connection_ = std::move(other.connection_);
  writer_ = std::move(other.writer_);
  path_ = std::move(other.path_);
  read_only_ = other.read_only_;
  engine_ = other.engine_;
  return *this;
}
Database::~Database() = default;

Result<void> Database::exec(std::string_view sql) {
  if (!writer_) return connection_->exec(sql);
  writer_->exec(std::string(sql));
  return {};
}

Result<void> Database::drain() { return writer_ ? writer_->drain() : Result<void>{}; }

void Database::queue(QueuedTask task, TaskOutcome outcome, bool wake_writer) {
  if (writer_) return writer_->task(std::move(task), std::move(outcome), wake_writer);
  InPlace in_place(*connection_);
  outcome(task(in_place));
}

Result<void> InPlace::exec(std::string_view sql) { return connection_.exec(sql); }
Result<bool> InPlace::empty_log() { return connection_.empty_log(); }

Result<Statement> Database::prepare(std::string_view sql) {
  // What it names may be made by a write still queued (a schema).
  if (auto d = drain(); !d) return std::unexpected(d.error());
  auto query = connection_->prepare(sql);
  if (!query) return pass_on(query);
  return Statement(std::move(*query), connection_.get(), writer_.get());
}

std::int64_t Database::changes() const {
  if (writer_) writer_->wait();
  return connection_->changes();
}

Result<bool> Database::empty_log() {
  if (auto d = drain(); !d) return std::unexpected(d.error());
  return connection_->empty_log();
}

CheckpointCounts Database::checkpoints() const { return connection_->checkpoints(); }

}  // namespace seedgrid::storage
