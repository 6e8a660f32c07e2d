#include "runtime/base/storage/transaction.hpp"

#include <utility>

namespace seedgrid::storage {

Result<Transaction> Transaction::begin(Database& db, Mode mode) {
  if (auto r = db.exec(mode == Mode::immediate ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED"); !r)
    return pass_on(r);
  return Transaction(db);
}

Transaction::Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

Transaction::~Transaction() {
  if (db_) (void)rollback();
}

Result<void> Transaction::commit() {
  if (!db_) return fail("commit of a transaction that is no longer open");
  auto r = db_->exec("COMMIT");
  if (r) r = db_->drain();  // the commit and the writes before it, on a background writer
  if (!r) {
    // A failed COMMIT can leave the transaction open (e.g. SQLITE_BUSY): roll it back so the
    // connection is usable and the caller's view matches the database.
    (void)rollback();
    return r;
  }
  db_ = nullptr;
  return {};
}

Result<void> Transaction::rollback() {
  if (!db_) return {};
  Database* db = std::exchange(db_, nullptr);
  if (auto r = db->exec("ROLLBACK"); !r) return r;
  return db->drain();
}

}  // namespace seedgrid::storage
