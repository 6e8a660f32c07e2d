#include "runtime/base/storage/database.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "runtime/base/storage/transaction.hpp"
#include "tests/unit/common/test_dir.hpp"
#include "tests/unit/storage/row_count.hpp"

using namespace seedgrid;
using namespace seedgrid::storage;

namespace {

class Storage : public ::testing::Test {
 protected:
  std::string file(const std::string& name) const { return dir_ / name; }

  Database open_with_table() {
    auto db = Database::open(file("t.db"));
    EXPECT_TRUE(db.has_value()) << db.error().message;
    EXPECT_TRUE(db->exec("CREATE TABLE IF NOT EXISTS t(k TEXT PRIMARY KEY, v INTEGER, b BLOB)")
                    .has_value());
    return std::move(*db);
  }

  static std::int64_t count(Database& db) { return test::rows_in_t(db); }

  test::TestDir dir_;
};

TEST_F(Storage, OpensInWalModeWithFullSync) {
  Database db = open_with_table();
  auto mode = db.prepare("PRAGMA journal_mode");
  ASSERT_TRUE(mode.has_value());
  ASSERT_TRUE(mode->step().value_or(false));
  EXPECT_EQ(mode->column_text(0), "wal");
  auto sync = db.prepare("PRAGMA synchronous");
  ASSERT_TRUE(sync.has_value());
  ASSERT_TRUE(sync->step().value_or(false));
  EXPECT_EQ(sync->column_int64(0), 2);  // FULL
}

// A page size is a new file's; a file that exists keeps the one it was made with, and opens.
TEST_F(Storage, APageSizeAppliesToANewFileOnly) {
  const auto page_size_of = [](Database& db) {
    auto q = db.prepare("PRAGMA page_size");
    EXPECT_TRUE(q.has_value());
    EXPECT_TRUE(q->step().value_or(false));
    return q->column_int64(0);
  };
  {
    auto fresh = Database::open(file("big.db"), {.page_size = 16'384});
    ASSERT_TRUE(fresh.has_value()) << fresh.error().message;
    ASSERT_TRUE(fresh->exec("CREATE TABLE t(k TEXT PRIMARY KEY)").has_value());
    EXPECT_EQ(page_size_of(*fresh), 16'384);
  }
  {
    Database older = open_with_table();  // SQLite's default
    EXPECT_EQ(page_size_of(older), 4'096);
  }
  auto reopened = Database::open(file("t.db"), {.page_size = 16'384});
  ASSERT_TRUE(reopened.has_value()) << reopened.error().message;
  EXPECT_EQ(page_size_of(*reopened), 4'096);
  EXPECT_EQ(count(*reopened), 0);
}

// The simulator's throw-away files (Durability::none): no WAL, no fsync, but a transaction still
// rolls back, and what was committed is there when the file is opened again.
TEST_F(Storage, WithoutDurabilityRollsBackAndKeepsWhatWasCommitted) {
  {
    auto db = Database::open(file("sim.db"), {.durability = Durability::none});
    ASSERT_TRUE(db.has_value()) << db.error().message;
    ASSERT_TRUE(db->exec("CREATE TABLE t(k TEXT PRIMARY KEY, v INTEGER, b BLOB)").has_value());
    {  // statements still stepping would hold the commit back
      auto mode = db->prepare("PRAGMA journal_mode");
      ASSERT_TRUE(mode.has_value());
      ASSERT_TRUE(mode->step().value_or(false));
      EXPECT_EQ(mode->column_text(0), "memory");
      auto sync = db->prepare("PRAGMA synchronous");
      ASSERT_TRUE(sync.has_value());
      ASSERT_TRUE(sync->step().value_or(false));
      EXPECT_EQ(sync->column_int64(0), 0);  // OFF
    }
    {
      auto tx = Transaction::begin(*db);
      ASSERT_TRUE(db->exec("INSERT INTO t(k) VALUES('undone')").has_value());
    }  // destroyed without commit
    auto tx = Transaction::begin(*db);
    ASSERT_TRUE(db->exec("INSERT INTO t(k) VALUES('kept')").has_value());
    ASSERT_TRUE(tx->commit().has_value());
    EXPECT_EQ(count(*db), 1);
  }
  auto again = Database::open(file("sim.db"), {.durability = Durability::none});
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_EQ(count(*again), 1);
}

TEST_F(Storage, PreparedStatementsBindAndReadEveryType) {
  Database db = open_with_table();
  auto ins = db.prepare("INSERT INTO t(k, v, b) VALUES(?, ?, ?)");
  ASSERT_TRUE(ins.has_value()) << ins.error().message;
  const std::vector<std::uint8_t> bytes = {0, 1, 2, 255};
  ASSERT_TRUE(ins->bind(1, "a").bind(2, std::int64_t{-7}).bind_blob(3, bytes).run().has_value());
  ASSERT_TRUE(
      ins->bind(1, std::string("b")).bind(2, std::int64_t{1} << 62).bind_null(3).run().has_value());
  ASSERT_TRUE(ins->bind(1, "c").bind(2, std::int64_t{0}).bind_blob(3, {}).run().has_value());

  auto sel = db.prepare("SELECT k, v, b FROM t ORDER BY k");
  ASSERT_TRUE(sel.has_value());
  ASSERT_TRUE(sel->step().value());
  EXPECT_EQ(sel->column_text(0), "a");
  EXPECT_EQ(sel->column_int64(1), -7);
  EXPECT_EQ(sel->column_blob(2), bytes);
  ASSERT_TRUE(sel->step().value());
  EXPECT_EQ(sel->column_int64(1), std::int64_t{1} << 62);
  EXPECT_TRUE(sel->column_is_null(2));
  ASSERT_TRUE(sel->step().value());
  EXPECT_FALSE(sel->column_is_null(2));  // an empty blob is not NULL
  EXPECT_TRUE(sel->column_blob(2).empty());
  EXPECT_FALSE(sel->step().value());
}

TEST_F(Storage, ErrorsQuoteTheSqlAndSqliteMessage) {
  Database db = open_with_table();
  auto bad = db.prepare("SELEC nothing");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("`SELEC nothing`"), std::string::npos) << bad.error().message;
  EXPECT_NE(bad.error().message.find("syntax error"), std::string::npos) << bad.error().message;
  EXPECT_NE(bad.error().message.find("t.db"), std::string::npos) << bad.error().message;

  auto ins = db.prepare("INSERT INTO t(k, v) VALUES(?, ?)");
  ASSERT_TRUE(ins->bind(1, "dup").bind(2, std::int64_t{1}).run().has_value());
  auto dup = ins->bind(1, "dup").bind(2, std::int64_t{2}).run();
  ASSERT_FALSE(dup.has_value());
  EXPECT_NE(dup.error().message.find("UNIQUE constraint failed: t.k"), std::string::npos)
      << dup.error().message;
  // A parameter out of range is reported by the step that follows.
  auto range = ins->bind(3, "x").run();
  ASSERT_FALSE(range.has_value());
  EXPECT_NE(range.error().message.find("cannot bind parameter 3"), std::string::npos)
      << range.error().message;
  ins->reset();
  EXPECT_TRUE(ins->bind(1, "after").bind(2, std::int64_t{3}).run().has_value());

  EXPECT_FALSE(db.exec("INSERT INTO missing VALUES(1)").has_value());
}

TEST_F(Storage, TransactionRollsBackUnlessCommitted) {
  Database db = open_with_table();
  {
    auto tx = Transaction::begin(db);
    ASSERT_TRUE(tx.has_value());
    ASSERT_TRUE(db.exec("INSERT INTO t(k) VALUES('gone')").has_value());
  }  // destroyed without commit
  EXPECT_EQ(count(db), 0);
  {
    auto tx = Transaction::begin(db);
    ASSERT_TRUE(db.exec("INSERT INTO t(k) VALUES('kept')").has_value());
    ASSERT_TRUE(tx->commit().has_value());
    EXPECT_FALSE(tx->open());
    EXPECT_FALSE(tx->commit().has_value());
  }
  EXPECT_EQ(count(db), 1);
  {
    auto tx = Transaction::begin(db);
    ASSERT_TRUE(db.exec("INSERT INTO t(k) VALUES('undone')").has_value());
    ASSERT_TRUE(tx->rollback().has_value());
  }
  EXPECT_EQ(count(db), 1);
}

TEST_F(Storage, CommittedDataSurvivesReopenAndIsVisibleToReaders) {
  {
    Database db = open_with_table();
    auto tx = Transaction::begin(db);
    ASSERT_TRUE(db.exec("INSERT INTO t(k, v) VALUES('x', 1)").has_value());
    ASSERT_TRUE(tx->commit().has_value());
    auto reader = Database::open(file("t.db"), {.read_only = true});
    ASSERT_TRUE(reader.has_value()) << reader.error().message;
    EXPECT_EQ(count(*reader), 1);
    EXPECT_FALSE(reader->exec("INSERT INTO t(k) VALUES('no')").has_value());
    EXPECT_TRUE(reader->read_only());
  }
  Database again = open_with_table();
  EXPECT_EQ(count(again), 1);
}

TEST_F(Storage, OpenFailuresNameTheFile) {
  auto missing = Database::open(file("nope/deeper/x.db"));
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message.find("nope/deeper/x.db"), std::string::npos)
      << missing.error().message;
  auto absent = Database::open(file("absent.db"), {.read_only = true});
  ASSERT_FALSE(absent.has_value());
  EXPECT_NE(absent.error().message.find("must already exist"), std::string::npos);
  std::ofstream(file("junk.db"))
      << "this is not a database, just some text that is long enough......";
  auto junk = Database::open(file("junk.db"));
  ASSERT_FALSE(junk.has_value());
  EXPECT_NE(junk.error().message.find("junk.db"), std::string::npos) << junk.error().message;
}

}  // namespace
