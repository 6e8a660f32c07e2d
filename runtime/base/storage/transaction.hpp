#pragma once
// RAII transaction: begun on creation, rolled back by the destructor unless commit() succeeded, so
// an early `return` on an error never leaves half a change behind.
//   auto tx = Transaction::begin(db);
//   if (!tx) return pass_on(tx);
//   ... writes ...
//   return tx->commit();
#include "models/result.hpp"
#include "runtime/base/storage/database.hpp"

namespace seedgrid::storage {

class Transaction {
 public:
  // immediate takes the write lock at BEGIN, so a writer never fails half way on SQLITE_BUSY;
  // deferred is for read-only snapshots.
  enum class Mode { deferred, immediate };

  static Result<Transaction> begin(Database& db, Mode mode = Mode::immediate);

  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  ~Transaction();

  // With synchronous=FULL, returns once the transaction is durable.
  Result<void> commit();
  Result<void> rollback();
  bool open() const { return db_ != nullptr; }
  // For a commit the owner queues as a task of its own (Database::queue, InPlace::exec): the
  // transaction is no longer this object's to commit or roll back.
  void hand_over() { db_ = nullptr; }

 private:
  explicit Transaction(Database& db) : db_(&db) {}
  Database* db_ = nullptr;
};

}  // namespace seedgrid::storage
