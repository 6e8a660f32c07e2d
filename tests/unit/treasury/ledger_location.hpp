#pragma once
// Where a test's ledger lives: a file in the test's temp dir, or a PostgreSQL schema on the
// treasury suites' `.postgres` run (tests/unit/storage/database_location.hpp).
#include <filesystem>
#include <string>
#include <vector>

#include "tests/unit/common/test_dir.hpp"
#include "tests/unit/storage/database_location.hpp"

namespace seedgrid::test {

// A new, empty ledger location named `name`: a file in `dir`, or a fresh PostgreSQL schema.
inline std::string ledger_location(const TestDir& dir, const std::string& name) {
  return database_location((dir / name), name);
}

// A copy of the ledger at `from` (a location from ledger_location), to edit without touching it.
inline std::string copy_of_ledger(const TestDir& dir, const std::string& from,
                                  const std::string& name) {
  if (!postgres_uri_file()) {
    const std::string copy = (dir / name);
    std::filesystem::copy_file(from, copy);
    return copy;
  }
  const std::string source = from.substr(from.rfind("%3D") + 3);
  const std::string schema = new_postgres_schema(name);
  auto db = storage::Database::open(postgres_server_uri());
  EXPECT_TRUE(db.has_value()) << db.error().message;
  if (!db) return {};
  auto tables = db->prepare(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = ? ORDER BY "
      "table_name");
  EXPECT_TRUE(tables.has_value());
  std::vector<std::string> names;
  tables->bind(1, source);
  while (tables->step().value_or(false)) names.push_back(tables->column_text(0));
  EXPECT_FALSE(names.empty()) << "no tables in schema " << source;
  for (const auto& t : names) {
    auto r = db->exec("CREATE TABLE " + schema + "." + t + " (LIKE " + source + "." + t +
                      " INCLUDING ALL); INSERT INTO " + schema + "." + t + " SELECT * FROM " +
                      source + "." + t);
    EXPECT_TRUE(r.has_value()) << r.error().message;
  }
  return postgres_location(schema);
}

}  // namespace seedgrid::test
