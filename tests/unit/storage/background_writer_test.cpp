// A database whose writes run on a background writer (OpenOptions::background_writer): what its
// owner sees must be what it would see if the writes ran at once, except that a failed write is
// told later, at the next read, drain or commit.
#include "runtime/base/storage/background_writer.hpp"

#include <gtest/gtest.h>

#include <future>
#include <optional>
#include <string>
#include <vector>

#include "runtime/base/storage/database.hpp"
#include "runtime/base/storage/transaction.hpp"
#include "tests/unit/common/test_dir.hpp"

using namespace seedgrid;
using namespace seedgrid::storage;

namespace {

class BackgroundWrites : public ::testing::Test {
 protected:
  Database open(bool background = true) {
    auto db = Database::open(dir_ / "w.db", {.background_writer = background});
    EXPECT_TRUE(db.has_value()) << db.error().message;
    EXPECT_TRUE(db->exec("CREATE TABLE IF NOT EXISTS t(k INTEGER PRIMARY KEY, v TEXT, b BLOB)"));
    return std::move(*db);
  }

  // Read through another connection: only what was committed.
  std::int64_t committed_rows() {
    auto db = Database::open(dir_ / "w.db", {.read_only = true});
    EXPECT_TRUE(db.has_value()) << db.error().message;
    auto q = db->prepare("SELECT COUNT(*) FROM t");
    EXPECT_TRUE(q.has_value());
    EXPECT_TRUE(q->step().value_or(false));
    return q->column_int64(0);
  }

  test::TestDir dir_;
};

// Blobs of a few bytes, and now and then one past the largest buffer the writer keeps for reuse.
std::size_t blob_size(std::int64_t k) {
  return static_cast<std::size_t>(k % 50 == 49 ? 20'000 + k : k % 7);
}

TEST_F(BackgroundWrites, AReadSeesEveryWriteQueuedBeforeItInOrder) {
  Database db = open();
  auto put = db.prepare("INSERT OR REPLACE INTO t VALUES(?, ?, ?)");
  ASSERT_TRUE(put.has_value());
  auto tx = Transaction::begin(db);
  ASSERT_TRUE(tx.has_value());
  // 500 writes, more than a wake's worth; each key written twice, the second value last.
  for (int round = 0; round < 2; ++round)
    for (std::int64_t k = 0; k < 250; ++k) {
      const std::string v = "value " + std::to_string(k) + " of round " + std::to_string(round);
      const std::vector<std::uint8_t> b(blob_size(k), std::uint8_t(round));
      ASSERT_TRUE(put->bind(1, k).bind(2, v).bind_blob(3, b).run());
    }
  auto q = db.prepare("SELECT k, v, b FROM t ORDER BY k");
  ASSERT_TRUE(q.has_value());
  std::int64_t rows = 0;
  for (;;) {
    auto row = q->step();
    ASSERT_TRUE(row.has_value()) << row.error().message;
    if (!*row) break;
    const std::int64_t k = q->column_int64(0);
    EXPECT_EQ(k, rows);
    EXPECT_EQ(q->column_text(1), "value " + std::to_string(k) + " of round 1");
    EXPECT_EQ(q->column_blob(2), std::vector<std::uint8_t>(blob_size(k), 1));
    ++rows;
  }
  q->reset();
  EXPECT_EQ(rows, 250);
  EXPECT_EQ(committed_rows(), 0) << "nothing is committed before the commit";
  ASSERT_TRUE(tx->commit());
  EXPECT_EQ(committed_rows(), 250);
}

// The rows a write changed reach its caller: once it ran on the writer, or at once without one.
TEST_F(BackgroundWrites, AWriteTellsTheRowsItChangedWithOrWithoutAWriter) {
  for (const bool background : {true, false}) {
    Database db = open(background);
    auto put = db.prepare("INSERT OR IGNORE INTO t(k, v) VALUES(?, 'x')");
    ASSERT_TRUE(put.has_value());
    std::vector<std::int64_t> changes;
    for (const std::int64_t k : {background ? 1 : 11, background ? 1 : 11, background ? 2 : 12})
      ASSERT_TRUE(put->bind(1, k).run([&changes](std::int64_t n) { changes.push_back(n); }));
    ASSERT_TRUE(db.drain());
    EXPECT_EQ(changes, (std::vector<std::int64_t>{1, 0, 1})) << "background " << background;
  }
}

// A failed write is told by every drain after it, and nothing queued after it runs, the commit
// included: the owner stops using the connection, and what was committed before stays.
TEST_F(BackgroundWrites, AFailedWriteFailsTheCommitAndEveryLaterDrain) {
  Database db = open();
  auto put = db.prepare("INSERT INTO t(k, v) VALUES(?, ?)");
  ASSERT_TRUE(put.has_value());
  auto read = db.prepare("SELECT COUNT(*) FROM t");
  ASSERT_TRUE(read.has_value());
  {
    auto tx = Transaction::begin(db);
    ASSERT_TRUE(tx.has_value());
    ASSERT_TRUE(put->bind(1, std::int64_t{1}).bind(2, "first").run());
    ASSERT_TRUE(tx->commit());
  }
  auto tx = Transaction::begin(db);
  ASSERT_TRUE(tx.has_value());
  ASSERT_TRUE(put->bind(1, std::int64_t{2}).bind(2, "second").run());
  // Key 1 is taken: this write fails on the writer, and its caller does not know yet.
  ASSERT_TRUE(put->bind(1, std::int64_t{1}).bind(2, "again").run());
  ASSERT_TRUE(put->bind(1, std::int64_t{3}).bind(2, "third").run());
  auto c = tx->commit();
  ASSERT_FALSE(c.has_value());
  EXPECT_NE(c.error().message.find("UNIQUE"), std::string::npos) << c.error().message;
  auto later = db.drain();
  ASSERT_FALSE(later.has_value());
  EXPECT_EQ(later.error().message, c.error().message);
  EXPECT_FALSE(read->step().has_value()) << "a read after the failure is refused too";
  EXPECT_FALSE(db.prepare("SELECT 1").has_value()) << "and so is a new statement";
  EXPECT_EQ(committed_rows(), 1);
}

// A transaction let go with writes still queued rolls them back once they ran, as a crash would.
TEST_F(BackgroundWrites, ATransactionLetGoRollsBackItsQueuedWrites) {
  Database db = open();
  {
    auto put = db.prepare("INSERT INTO t(k, v) VALUES(?, 'x')");
    ASSERT_TRUE(put.has_value());
    auto tx = Transaction::begin(db);
    ASSERT_TRUE(tx.has_value());
    for (std::int64_t k = 0; k < 100; ++k) ASSERT_TRUE(put->bind(1, k).run());
  }  // the statement goes before the transaction: its queued runs are done first
  auto q = db.prepare("SELECT COUNT(*) FROM t");
  ASSERT_TRUE(q.has_value());
  ASSERT_TRUE(q->step().value_or(false));
  EXPECT_EQ(q->column_int64(0), 0);
  q->reset();
  EXPECT_EQ(committed_rows(), 0);
}

// A queued task (Database::queue) runs after the writes queued before it, on the connection where
// they ran (here it commits them); one behind a failed write does not run and hears the failure.
TEST_F(BackgroundWrites, ATaskFollowsTheWritesBeforeItAndHearsAFailureBeforeIt) {
  for (const bool background : {true, false}) {
    Database db = open(background);
    ASSERT_TRUE(db.exec("DELETE FROM t"));
    auto put = db.prepare("INSERT INTO t(k, v) VALUES(?, 'x')");
    ASSERT_TRUE(put.has_value());
    auto tx = Transaction::begin(db);
    ASSERT_TRUE(tx.has_value());
    for (std::int64_t k = 0; k < 100; ++k) ASSERT_TRUE(put->bind(1, k).run());
    tx->hand_over();
    std::promise<Result<void>> first;
    db.queue([](InPlace& in) { return in.exec("COMMIT"); },
             [&first](Result<void> r) { first.set_value(std::move(r)); });
    auto outcome = first.get_future().get();  // without a drain: the writer runs it unasked
    ASSERT_TRUE(outcome.has_value()) << outcome.error().message;
    EXPECT_EQ(committed_rows(), 100) << "background " << background;

    if (!background) continue;  // in place, the failed write is told at once
    auto again = Transaction::begin(db);
    ASSERT_TRUE(again.has_value());
    ASSERT_TRUE(put->bind(1, std::int64_t{5}).run()) << "key 5 is taken: fails on the writer";
    again->hand_over();
    bool ran = false;
    std::optional<Result<void>> second;
    db.queue(
        [&ran](InPlace& in) {
          ran = true;
          return in.exec("COMMIT");
        },
        [&second](Result<void> r) { second = std::move(r); });
    auto drained = db.drain();
    ASSERT_FALSE(drained.has_value());
    ASSERT_TRUE(second.has_value()) << "told, though it did not run";
    ASSERT_FALSE(second->has_value());
    EXPECT_EQ(second->error().message, drained.error().message);
    EXPECT_NE(drained.error().message.find("UNIQUE"), std::string::npos);
    EXPECT_FALSE(ran);
    EXPECT_EQ(committed_rows(), 100);
  }
}

// A task queued without waking the writer (an owner about to drain, Journal::commit) is run by
// the drain at the latest, once, after the writes before it: a writer left asleep (fewer writes
// than a wake) would otherwise never run it. (A writer that happens to be awake may take it
// first; which thread runs it is not promised.)
TEST_F(BackgroundWrites, ATaskQueuedWithoutAWakeIsRunByTheDrain) {
  Database db = open();
  auto put = db.prepare("INSERT INTO t(k, v) VALUES(?, 'x')");
  ASSERT_TRUE(put.has_value());
  for (int round = 0; round < 20; ++round) {
    auto tx = Transaction::begin(db);
    ASSERT_TRUE(tx.has_value());
    for (std::int64_t k = 0; k < 10; ++k) ASSERT_TRUE(put->bind(1, round * 10 + k).run());
    tx->hand_over();
    int runs = 0;
    std::optional<Result<void>> outcome;
    db.queue(
        [&runs](InPlace& in) {
          ++runs;
          return in.exec("COMMIT");
        },
        [&outcome](Result<void> r) { outcome = std::move(r); }, /*wake_writer=*/false);
    ASSERT_TRUE(db.drain());
    EXPECT_EQ(runs, 1);
    ASSERT_TRUE(outcome.has_value()) << "round " << round;
    EXPECT_TRUE(outcome->has_value());
    EXPECT_EQ(committed_rows(), (round + 1) * 10);
  }
}

}  // namespace
