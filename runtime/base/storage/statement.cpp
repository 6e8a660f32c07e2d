#include "runtime/base/storage/statement.hpp"

#include <utility>

#include "runtime/base/storage/engine.hpp"

namespace seedgrid::storage {

Statement::Statement(std::unique_ptr<engine::Query> query) : query_(std::move(query)) {}
Statement::Statement(Statement&& other) noexcept = default;
Statement& Statement::operator=(Statement&& other) noexcept = default;
Statement::~Statement() = default;

Statement& Statement::bind(int index, std::int64_t value) {
  query_->bind_int64(index, value);
  return *this;
}
Statement& Statement::bind(int index, std::string_view text) {
  query_->bind_text(index, text);
  return *this;
}
Statement& Statement::bind_blob(int index, std::span<const std::uint8_t> bytes) {
  query_->bind_blob(index, bytes);
  return *this;
}
Statement& Statement::bind_null(int index) {
  query_->bind_null(index);
  return *this;
}

Result<bool> Statement::step() { return query_->step(); }

Result<void> Statement::run() {
  for (;;) {
    auto row = step();
    if (!row) return pass_on(row);
    if (!*row) break;
  }
  reset();
  return {};
}

void Statement::reset() { query_->reset(); }

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
