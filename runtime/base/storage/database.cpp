#include "runtime/base/storage/database.hpp"

#include <utility>

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
  return Database(std::move(*connection), path, options.read_only, engine);
}

Database::Database(Database&& other) noexcept = default;
Database& Database::operator=(Database&& other) noexcept = default;
Database::~Database() = default;

Result<void> Database::exec(std::string_view sql) { return connection_->exec(sql); }

Result<Statement> Database::prepare(std::string_view sql) {
  auto query = connection_->prepare(sql);
  if (!query) return pass_on(query);
  return Statement(std::move(*query));
}

std::int64_t Database::changes() const { return connection_->changes(); }

Result<bool> Database::empty_log() { return connection_->empty_log(); }

CheckpointCounts Database::checkpoints() const { return connection_->checkpoints(); }

}  // namespace seedgrid::storage
