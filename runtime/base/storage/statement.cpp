#include "runtime/base/storage/statement.hpp"

#include <utility>

#include "runtime/base/storage/background_writer.hpp"
#include "runtime/base/storage/engine.hpp"

namespace seedgrid::storage {

Statement::Statement(std::unique_ptr<engine::Query> query, engine::Connection* connection,
                     BackgroundWriter* writer)
    : query_(std::move(query)),
      connection_(connection),
      writer_(writer),
      pending_(writer ? std::make_unique<BoundValues>() : nullptr) {}
Statement::Statement(Statement&& other) noexcept = default;
// The writer may still hold this statement's query in its queue: it runs first.
Statement& Statement::operator=(Statement&& other) noexcept {
  if (writer_) writer_->wait();
  query_ = std::move(other.query_);
  connection_ = std::exchange(other.connection_, nullptr);
  writer_ = std::exchange(other.writer_, nullptr);
  pending_ = std::move(other.pending_);
  return *this;
}
Statement::~Statement() {
  if (writer_ && query_) writer_->wait();
}

void Statement::bind_later(BoundValue value, std::string_view bytes) {
  if (!bytes.empty()) {
    value.start = pending_->bytes.size();
    value.size = bytes.size();
    pending_->bytes.append(bytes);
  }
  pending_->values.push_back(value);
}

Statement& Statement::bind(int index, std::int64_t value) {
  if (writer_)
    bind_later({index, BoundValue::Kind::integer, value, 0, 0});
  else
    query_->bind_int64(index, value);
  return *this;
}
Statement& Statement::bind(int index, std::string_view text) {
  if (writer_)
    bind_later({index, BoundValue::Kind::text, 0, 0, 0}, text);
  else
    query_->bind_text(index, text);
  return *this;
}
Statement& Statement::bind_blob(int index, std::span<const std::uint8_t> bytes) {
  if (writer_)
    bind_later({index, BoundValue::Kind::blob, 0, 0, 0},
               {reinterpret_cast<const char*>(bytes.data()), bytes.size()});
  else
    query_->bind_blob(index, bytes);
  return *this;
}
Statement& Statement::bind_null(int index) {
  if (writer_)
    bind_later({index, BoundValue::Kind::null, 0, 0, 0});
  else
    query_->bind_null(index);
  return *this;
}

Result<bool> Statement::step() {
  if (writer_) {
    // A read (or a write whose rows are read) runs here, once the writes queued before it have.
    auto drained = writer_->drain();
    BoundValues values = std::exchange(*pending_, {});
    if (!drained) return std::unexpected(drained.error());
    values.bind_to(*query_);
  }
  return query_->step();
}

Result<void> Statement::run() { return run(AfterRun{}); }

Result<void> Statement::run(AfterRun after) {
  if (writer_) {
    // The next run's buffers hold at least this one's: a statement binds much the same each time
    // (and a spare grows to the largest statement it serves, then stops allocating).
    const std::size_t values = pending_->values.size(), bytes = pending_->bytes.size();
    *pending_ = writer_->run(*query_, std::move(*pending_), std::move(after));
    pending_->values.reserve(values);
    pending_->bytes.reserve(bytes);
    return {};
  }
  auto sent = query_->send(after);
  if (!sent) return pass_on(sent);
  if (*sent) return {};
  for (;;) {
    auto row = step();
    if (!row) return pass_on(row);
    if (!*row) break;
  }
  reset();
  if (after) after(connection_->changes());
  return {};
}

void Statement::reset() {
  if (writer_) {
    *pending_ = {};
    writer_->wait();
  }
  query_->reset();
}

std::int64_t Statement::column_int64(int column) const { return query_->column_int64(column); }
std::string Statement::column_text(int column) const { return query_->column_text(column); }
std::vector<std::uint8_t> Statement::column_blob(int column) const {
  return query_->column_blob(column);
}
bool Statement::column_is_null(int column) const { return query_->column_is_null(column); }

std::string_view Statement::sql() const {
  return query_ ? query_->sql() : std::string_view("(finalised statement)");
}

}  // namespace seedgrid::storage
