#pragma once
// How many rows table `t` holds (the storage tests' table), read through the connection under test.
#include <gtest/gtest.h>

#include <cstdint>

#include "runtime/base/storage/database.hpp"

namespace seedgrid::test {

inline std::int64_t rows_in_t(storage::Database& db) {
  auto st = db.prepare("SELECT COUNT(*) FROM t");
  EXPECT_TRUE(st.has_value());
  EXPECT_TRUE(st->step().value_or(false));
  return st->column_int64(0);
}

}  // namespace seedgrid::test
