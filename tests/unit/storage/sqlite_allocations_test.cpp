// SQLite's allocation counts stay off: kept, they put one process-wide mutex on every allocation
// of every connection, which the coordinator's and the treasury's threads fought over
// (bench/RESULTS.md, session 34).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>
#include <vector>

#include "runtime/base/storage/database.hpp"
#include "tests/unit/common/test_dir.hpp"

using namespace seedgrid;
using namespace seedgrid::storage;

TEST(SqliteAllocations, AreNotCountedWhileDatabasesWork) {
  const seedgrid::test::TestDir dir;
  {
    auto db = Database::open(dir / "t.db", OpenOptions{});
    ASSERT_TRUE(db.has_value()) << db.error().message;
    ASSERT_TRUE(db->exec("CREATE TABLE t(k INTEGER PRIMARY KEY, b BLOB)").has_value());
    const std::vector<std::uint8_t> blob(10'000, 7);
    for (std::int64_t k = 0; k < 50; ++k) {
      auto put = db->prepare("INSERT INTO t(k, b) VALUES(?, ?)");
      ASSERT_TRUE(put.has_value()) << put.error().message;
      ASSERT_TRUE(put->bind(1, k).bind_blob(2, blob).run().has_value());
    }
    // Counted, an open connection with a page cache would show megabytes here.
    EXPECT_EQ(sqlite3_memory_used(), 0);
    EXPECT_EQ(sqlite3_memory_highwater(0), 0);
  }
}
