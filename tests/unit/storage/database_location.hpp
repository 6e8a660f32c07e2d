#pragma once
// Where a test's database lives. Suites registered with seedgrid_add_postgres_run
// (tests/CMakeLists.txt) run twice under ctest: on SQLite files, and again as `TEST.postgres`,
// where SEEDGRID_TEST_POSTGRES names the file holding the throwaway server's URI
// (tests/tools/throwaway_postgres.sh) and each database gets a schema of its own there.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <string>

#include "runtime/base/storage/database.hpp"

namespace seedgrid::test {

inline const char* postgres_uri_file() { return std::getenv("SEEDGRID_TEST_POSTGRES"); }

inline std::string postgres_server_uri() {
  std::ifstream in(postgres_uri_file());
  std::string uri;
  std::getline(in, uri);
  EXPECT_FALSE(uri.empty()) << "no server URI in " << postgres_uri_file()
                            << ": did the postgres_server_start test run?";
  return uri;
}

// The server URI with `schema` first on the search path (libpq passes `options` to the server).
inline std::string postgres_location(const std::string& schema) {
  return postgres_server_uri() + "&options=-csearch_path%3D" + schema;
}

inline std::string new_postgres_schema(const std::string& name) {
  static int made = 0;
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string schema = "t" + std::to_string(::getpid()) + "_" + std::to_string(++made) + "_";
  for (char c : std::string(info ? info->name() : "") + "_" + name)
    schema += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : '_';
  schema = schema.substr(0, 60);
  auto db = storage::Database::open(postgres_server_uri());
  EXPECT_TRUE(db.has_value()) << db.error().message;
  if (db) {
    auto r = db->exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE; CREATE SCHEMA " + schema);
    EXPECT_TRUE(r.has_value()) << r.error().message;
  }
  return schema;
}

// `file` on a SQLite run; a fresh PostgreSQL schema named after `name` on a PostgreSQL run.
inline std::string database_location(const std::string& file, const std::string& name) {
  if (!postgres_uri_file()) return file;
  return postgres_location(new_postgres_schema(name));
}

}  // namespace seedgrid::test
