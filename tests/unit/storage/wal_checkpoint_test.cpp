// A durable file's WAL is copied back by a thread of its own, bounded when the writer outpaces
// it, and emptied on demand (an erasure's pages must not stay in its older frames).
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

#include "runtime/base/storage/database.hpp"
#include "tests/unit/common/test_dir.hpp"

using namespace seedgrid;
using namespace seedgrid::storage;
namespace fs = std::filesystem;

namespace {

class WalCheckpoint : public ::testing::Test {
 protected:
  std::string file() const { return (dir_ / "t.db").string(); }
  std::uintmax_t wal_bytes() const {
    std::error_code ec;
    const auto n = fs::file_size(file() + "-wal", ec);
    return ec ? 0 : n;
  }

  Database open(std::uint32_t checkpoint_pages, int busy_timeout_ms = 5'000) {
    OpenOptions options;
    options.wal_checkpoint_pages = checkpoint_pages;
    options.busy_timeout_ms = busy_timeout_ms;
    auto db = Database::open(file(), options);
    EXPECT_TRUE(db.has_value()) << db.error().message;
    EXPECT_TRUE(db->exec("CREATE TABLE IF NOT EXISTS t(k INTEGER PRIMARY KEY, b BLOB)").has_value());
    return std::move(*db);
  }

  // One commit of one row holding `bytes` (a 4 KiB page each, plus the b-tree's).
  static void write_row(Database& db, std::int64_t key, std::size_t bytes) {
    auto put = db.prepare("INSERT OR REPLACE INTO t(k, b) VALUES(?, ?)");
    ASSERT_TRUE(put.has_value());
    const std::vector<std::uint8_t> blob(bytes, static_cast<std::uint8_t>(key));
    ASSERT_TRUE(put->bind(1, key).bind_blob(2, blob).run().has_value());
  }

  test::TestDir folder_;
  fs::path dir_ = folder_.path();
};

TEST_F(WalCheckpoint, TheWalIsCopiedBackByAThreadOfItsOwn) {
  Database db = open(32);
  // Past the threshold, under four times it: only the background thread may checkpoint.
  for (int i = 0; i < 20; ++i) write_row(db, i, 4096);
  // The thread may first run while the rows are still being written (it copies what was
  // committed then); each later commit past the threshold asks it again, so the last rows follow.
  const auto copied = [&] {
    return db.checkpoints().in_background > 0 && fs::file_size(file()) >= 20u * 4096u;
  };
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!copied() && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_GE(db.checkpoints().in_background, 1u);
  EXPECT_EQ(db.checkpoints().by_writer, 0u);
  // The pages are in the database file itself now, not only in the WAL.
  EXPECT_GE(fs::file_size(file()), 20u * 4096u);
}

TEST_F(WalCheckpoint, AWriterThatOutpacesTheThreadStillBoundsTheWal) {
  Database db = open(8);
  // 400 commits of ~3 pages each: 1,200 frames, 4.8 MB, were the WAL never restarted.
  for (int i = 0; i < 400; ++i) write_row(db, i % 50, 8192);
  const CheckpointCounts counts = db.checkpoints();
  EXPECT_GE(counts.in_background + counts.by_writer, 1u);
  // A restart rewrites the WAL from its start; its file keeps the longest length it reached,
  // which the writer's own checkpoint holds near four times the threshold (32 pages) while the
  // thread keeps up. A checkpoint of the thread's that is descheduled mid-way makes the writer's
  // own busy, and the WAL grows until it ends: 145 pages once under a loaded `ctest -j2`. A WAL
  // never restarted would reach 1,200.
  EXPECT_LT(wal_bytes(), 300u * 4096u) << "in background " << counts.in_background
                                       << ", by the writer " << counts.by_writer;
}

TEST_F(WalCheckpoint, EmptyingTheLogLeavesNoFramesAndWaitsForAReader) {
  Database db = open(4'000, /*busy_timeout_ms=*/100);
  for (int i = 0; i < 5; ++i) write_row(db, i, 4096);
  ASSERT_GT(wal_bytes(), 0u);
  auto emptied = db.empty_log();
  ASSERT_TRUE(emptied.has_value()) << emptied.error().message;
  EXPECT_TRUE(*emptied);
  EXPECT_EQ(wal_bytes(), 0u);

  // A reader still on an older snapshot keeps the frames it reads: not emptied, try later.
  auto reader = Database::open(file());
  ASSERT_TRUE(reader.has_value());
  ASSERT_TRUE(reader->exec("BEGIN").has_value());
  auto read = reader->prepare("SELECT count(*) FROM t");
  ASSERT_TRUE(read.has_value());
  ASSERT_TRUE(read->step().value_or(false));
  write_row(db, 99, 4096);
  emptied = db.empty_log();
  ASSERT_TRUE(emptied.has_value()) << emptied.error().message;
  EXPECT_FALSE(*emptied);
  read->reset();
  ASSERT_TRUE(reader->exec("COMMIT").has_value());
  emptied = db.empty_log();
  ASSERT_TRUE(emptied.has_value()) << emptied.error().message;
  EXPECT_TRUE(*emptied);
  EXPECT_EQ(wal_bytes(), 0u);
}

}  // namespace
