// What both storage engines must do the same way. Runs on a SQLite file, and again on the
// throwaway PostgreSQL server as `StorageEngine.*.postgres` (database_location.hpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <thread>

#include "runtime/base/storage/database.hpp"
#include "runtime/base/storage/transaction.hpp"
#include "tests/unit/common/test_dir.hpp"
#include "tests/unit/storage/database_location.hpp"
#include "tests/unit/storage/row_count.hpp"

using namespace seedgrid;
using namespace seedgrid::storage;

namespace {

class StorageEngine : public ::testing::Test {
 protected:
  Database open() {
    auto db = Database::open(location_);
    EXPECT_TRUE(db.has_value()) << db.error().message;
    EXPECT_TRUE(db->exec("CREATE TABLE IF NOT EXISTS t(k TEXT PRIMARY KEY, n INTEGER, b BLOB)")
                    .has_value());
    return std::move(*db);
  }
  static std::int64_t count(Database& db) { return test::rows_in_t(db); }

  test::TestDir dir_;
  std::string location_ = test::database_location(dir_ / "t.db", "t");
};

TEST_F(StorageEngine, BindsAndReadsEveryTypeTheStoresUse) {
  Database db = open();
  EXPECT_EQ(db.engine(), engine_of(location_));
  const std::int64_t big = std::numeric_limits<std::int64_t>::max();
  const std::int64_t small = std::numeric_limits<std::int64_t>::min();
  const std::vector<std::uint8_t> bytes = {0, 1, 0xff, 0, 0x7f};
  auto put = db.prepare("INSERT INTO t(k, n, b) VALUES(?, ?, ?)");
  ASSERT_TRUE(put.has_value()) << put.error().message;
  ASSERT_TRUE(put->bind(1, "max").bind(2, big).bind_blob(3, bytes).run().has_value());
  ASSERT_TRUE(put->bind(1, "min").bind(2, small).bind_blob(3, {}).run().has_value());
  ASSERT_TRUE(put->bind(1, "grüße ✓").bind_null(2).bind_null(3).run().has_value());
  EXPECT_EQ(db.changes(), 1);

  auto get = db.prepare("SELECT n, b FROM t WHERE k = ?");
  ASSERT_TRUE(get.has_value());
  ASSERT_TRUE(get->bind(1, "max").step().value_or(false));
  EXPECT_EQ(get->column_int64(0), big);
  EXPECT_EQ(get->column_blob(1), bytes);
  get->reset();
  ASSERT_TRUE(get->bind(1, "min").step().value_or(false));
  EXPECT_EQ(get->column_int64(0), small);
  EXPECT_FALSE(get->column_is_null(1));
  EXPECT_TRUE(get->column_blob(1).empty());
  get->reset();
  ASSERT_TRUE(get->bind(1, "grüße ✓").step().value_or(false));
  EXPECT_TRUE(get->column_is_null(0));
  EXPECT_TRUE(get->column_is_null(1));
  EXPECT_FALSE(get->step().value_or(true));

  // A sum of money is an exact integer on both (PostgreSQL answers SUM(bigint) as numeric).
  auto sum = db.prepare("SELECT SUM(n), -SUM(n) FROM t WHERE k IN ('max', 'min')");
  ASSERT_TRUE(sum.has_value());
  ASSERT_TRUE(sum->step().value_or(false));
  EXPECT_EQ(sum->column_int64(0), -1);
  EXPECT_EQ(sum->column_text(1), "1");

  auto upsert = db.prepare(
      "INSERT INTO t(k, n) VALUES(?, ?) ON CONFLICT(k) DO UPDATE SET n = excluded.n");
  ASSERT_TRUE(upsert.has_value()) << upsert.error().message;
  ASSERT_TRUE(upsert->bind(1, "max").bind(2, std::int64_t{7}).run().has_value());
  auto ignore = db.prepare("INSERT OR IGNORE INTO t(k, n) VALUES(?, ?)");
  ASSERT_TRUE(ignore.has_value()) << ignore.error().message;
  ASSERT_TRUE(ignore->bind(1, "max").bind(2, std::int64_t{8}).run().has_value());
  EXPECT_EQ(db.changes(), 0);
  get->reset();
  ASSERT_TRUE(get->bind(1, "max").step().value_or(false));
  EXPECT_EQ(get->column_int64(0), 7);
  EXPECT_EQ(count(db), 3);
}

TEST_F(StorageEngine, RollsBackUnlessCommittedAndAReaderKeepsOneSnapshot) {
  Database writer = open();
  {
    auto tx = Transaction::begin(writer);
    ASSERT_TRUE(tx.has_value()) << tx.error().message;
    ASSERT_TRUE(writer.exec("INSERT INTO t(k, n) VALUES('gone', 1)").has_value());
  }  // rolled back
  EXPECT_EQ(count(writer), 0);

  auto reader = Database::open(location_, {.read_only = true});
  ASSERT_TRUE(reader.has_value()) << reader.error().message;
  auto snapshot = Transaction::begin(*reader, Transaction::Mode::deferred);
  ASSERT_TRUE(snapshot.has_value()) << snapshot.error().message;
  EXPECT_EQ(count(*reader), 0);
  {
    auto tx = Transaction::begin(writer);
    ASSERT_TRUE(tx.has_value());
    ASSERT_TRUE(writer.exec("INSERT INTO t(k, n) VALUES('kept', 1)").has_value());
    ASSERT_TRUE(tx->commit().has_value());
  }
  EXPECT_EQ(count(*reader), 0) << "a read transaction saw a commit made after it began";
  ASSERT_TRUE(snapshot->commit().has_value());
  EXPECT_EQ(count(*reader), 1);
  EXPECT_FALSE(reader->exec("INSERT INTO t(k, n) VALUES('no', 2)").has_value())
      << "a read-only connection wrote";
}

// Writes in a transaction may be sent ahead of their answers (PostgreSQL's pipeline): a read
// after them sees them all, each reports its own row count in order, and changes() is the last
// one's. 600 writes are more than one pipeline holds.
TEST_F(StorageEngine, WritesInATransactionAreSeenByTheNextReadWithTheirRowCounts) {
  Database db = open();
  auto tx = Transaction::begin(db);
  ASSERT_TRUE(tx.has_value()) << tx.error().message;
  auto put = db.prepare("INSERT OR IGNORE INTO t(k, n) VALUES(?, ?)");
  ASSERT_TRUE(put.has_value()) << put.error().message;
  std::vector<std::int64_t> counts;
  auto note = [&](std::int64_t n) { counts.push_back(n); };
  for (int i = 0; i < 600; ++i)
    ASSERT_TRUE(put->bind(1, "k" + std::to_string(i)).bind(2, std::int64_t{i}).run(note));
  ASSERT_TRUE(put->bind(1, "k7").bind(2, std::int64_t{0}).run(note));  // ignored: 0 rows
  auto bump = db.prepare("UPDATE t SET n = n + 1 WHERE n >= ?");
  ASSERT_TRUE(bump.has_value());
  ASSERT_TRUE(bump->bind(1, std::int64_t{100}).run(note));
  EXPECT_EQ(db.changes(), 500);
  auto sum = db.prepare("SELECT COUNT(*), SUM(n) FROM t");
  ASSERT_TRUE(sum.has_value());
  ASSERT_TRUE(sum->step().value_or(false));
  EXPECT_EQ(sum->column_int64(0), 600);
  EXPECT_EQ(sum->column_int64(1), 599 * 600 / 2 + 500);
  sum->reset();
  ASSERT_TRUE(tx->commit().has_value());
  ASSERT_EQ(counts.size(), 602u);
  EXPECT_EQ(std::count(counts.begin(), counts.begin() + 600, 1), 600);
  EXPECT_EQ(counts[600], 0);
  EXPECT_EQ(counts[601], 500);
  EXPECT_EQ(count(db), 600);
}

// A write that fails in a transaction is reported by run() or, when it was sent ahead, by the
// next read or the commit, quoting its SQL; the transaction then keeps nothing, and the
// connection goes on.
TEST_F(StorageEngine, AWriteThatFailsInATransactionFailsItOrWhatFollowsAndKeepsNothing) {
  Database db = open();
  for (const bool read_next : {true, false}) {
    auto tx = Transaction::begin(db);
    ASSERT_TRUE(tx.has_value()) << tx.error().message;
    auto put = db.prepare("INSERT INTO t(k, n) VALUES(?, 1)");
    auto read = db.prepare("SELECT COUNT(*) FROM t");  // prepared first: a prepare settles too
    ASSERT_TRUE(put.has_value() && read.has_value());
    ASSERT_TRUE(put->bind(1, "a").run().has_value());
    auto twice = put->bind(1, "a").run();
    Result<void> outcome = twice;
    if (twice && read_next) {
      auto seen = read->step();
      outcome = seen ? Result<void>{} : Result<void>(std::unexpected(seen.error()));
    }
    if (outcome) outcome = tx->commit();
    ASSERT_FALSE(outcome.has_value()) << "a duplicate key was accepted";
    EXPECT_NE(outcome.error().message.find("INSERT INTO t(k, n) VALUES(?, 1)"), std::string::npos)
        << outcome.error().message;
    read->reset();
  }  // rolled back
  EXPECT_EQ(count(db), 0);
  auto tx = Transaction::begin(db);
  ASSERT_TRUE(tx.has_value()) << tx.error().message;
  ASSERT_TRUE(db.exec("INSERT INTO t(k, n) VALUES('c', 3)").has_value());
  ASSERT_TRUE(tx->commit().has_value());
  EXPECT_EQ(count(db), 1);
}

// Where a write's failure reached a caller that went on to commit anyway, the commit fails too
// (PostgreSQL answers such a COMMIT with a rollback, not an error).
TEST_F(StorageEngine, ACommitAfterAFailedWriteDoesNotReportSuccess) {
  Database db = open();
  auto tx = Transaction::begin(db);
  ASSERT_TRUE(tx.has_value()) << tx.error().message;
  ASSERT_TRUE(db.exec("INSERT INTO t(k, n) VALUES('a', 1)").has_value());
  ASSERT_FALSE(db.exec("INSERT INTO t(k, n) VALUES('a', 2)").has_value());
  auto committed = tx->commit();
  if (db.engine() == Engine::sqlite) {  // a failed statement leaves a SQLite transaction as it was
    ASSERT_TRUE(committed.has_value()) << committed.error().message;
    EXPECT_EQ(count(db), 1);
    return;
  }
  ASSERT_FALSE(committed.has_value()) << "PostgreSQL rolled back and the commit said it kept it";
  EXPECT_NE(committed.error().message.find("rolled back"), std::string::npos)
      << committed.error().message;
  EXPECT_EQ(count(db), 0);
}

// Two connections that each read a value and write it back plus one, many times at once: a
// writer's transaction must hold the store's write lock from its BEGIN, or one writer's update
// is lost under the other's (the ledger reads its head and balances the same way).
TEST_F(StorageEngine, WritersOfTwoConnectionsTakeTurnsAndLoseNoUpdate) {
  {
    Database db = open();
    ASSERT_TRUE(db.exec("INSERT INTO t(k, n) VALUES('counter', 0)").has_value());
  }
  constexpr int kRounds = 200;
  auto writer = [&](std::string* error) {
    Database db = open();
    for (int i = 0; i < kRounds && error->empty(); ++i) {
      auto tx = Transaction::begin(db);
      if (!tx) {
        *error = tx.error().message;
        return;
      }
      auto read = db.prepare("SELECT n FROM t WHERE k = 'counter'");
      if (!read || !read->step().value_or(false)) {
        *error = "cannot read the counter";
        return;
      }
      const std::int64_t n = read->column_int64(0);
      read->reset();
      auto write = db.prepare("UPDATE t SET n = ? WHERE k = 'counter'");
      if (!write) {
        *error = write.error().message;
        return;
      }
      write->bind(1, n + 1);
      if (auto w = write->run(); !w) *error = w.error().message;
      if (auto c = tx->commit(); !c) *error = c.error().message;
    }
  };
  std::string first_error, second_error;
  std::thread first(writer, &first_error), second(writer, &second_error);
  first.join();
  second.join();
  EXPECT_EQ(first_error, "");
  EXPECT_EQ(second_error, "");
  Database db = open();
  auto st = db.prepare("SELECT n FROM t WHERE k = 'counter'");
  ASSERT_TRUE(st.has_value() && st->step().value_or(false));
  EXPECT_EQ(st->column_int64(0), 2 * kRounds) << "updates were lost between the two writers";
}

TEST_F(StorageEngine, ErrorsQuoteTheSqlAndTheEnginesMessage) {
  Database db = open();
  auto bad = db.prepare("SELECT nothing FROM missing_table");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("SELECT nothing FROM missing_table"), std::string::npos)
      << bad.error().message;
  EXPECT_NE(bad.error().message.find("missing_table"), std::string::npos);
  auto dup = db.prepare("INSERT INTO t(k, n) VALUES(?, 1)");
  ASSERT_TRUE(dup.has_value());
  ASSERT_TRUE(dup->bind(1, "a").run().has_value());
  auto again = dup->bind(1, "a").run();
  ASSERT_FALSE(again.has_value());
  EXPECT_NE(again.error().message.find("INSERT INTO t(k, n) VALUES(?, 1)"), std::string::npos)
      << again.error().message;
  auto unbound = dup->bind(7, "x").run();
  ASSERT_FALSE(unbound.has_value());
  EXPECT_NE(unbound.error().message.find("parameter 7"), std::string::npos)
      << unbound.error().message;
}

// Neither needs a server: both are refused before any connection is made or when none answers.
TEST_F(StorageEngine, RefusesAPasswordInAUriAndNamesAServerThatDoesNotAnswer) {
  auto with_password = Database::open("postgresql://ledger:hunter2@127.0.0.1:1/treasury");
  ASSERT_FALSE(with_password.has_value());
  EXPECT_EQ(with_password.error().message.find("hunter2"), std::string::npos)
      << with_password.error().message;
  EXPECT_NE(with_password.error().message.find(".pgpass"), std::string::npos)
      << with_password.error().message;
  const std::string nowhere = "postgresql:///treasury?host=" + (dir_ / "no-server");
  auto absent = Database::open(nowhere);
  ASSERT_FALSE(absent.has_value());
  EXPECT_NE(absent.error().message.find(nowhere), std::string::npos) << absent.error().message;
}

}  // namespace
