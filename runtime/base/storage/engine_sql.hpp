#pragma once
// The one SQL text seedgrid's stores write, and its PostgreSQL form. Callers write SQLite's
// dialect restricted to what both engines mean the same way: `?` parameters, INTEGER (64-bit in
// both: BIGINT in PostgreSQL), BLOB (BYTEA), WITHOUT ROWID tables, BEGIN IMMEDIATE (a writer:
// one at a time per schema, as SQLite's one writer per file) or DEFERRED (a reader's snapshot:
// REPEATABLE READ), INSERT OR IGNORE (ON CONFLICT DO NOTHING),
// upserts written as INSERT ... ON CONFLICT(key) DO UPDATE, and PRAGMAs (SQLite's own tuning: no PostgreSQL meaning, dropped). INSERT OR REPLACE
// is refused for PostgreSQL: it deletes the old row first, which PostgreSQL cannot say without
// the key, so the caller must write the upsert.
#include <initializer_list>
#include <string>
#include <string_view>

#include "models/result.hpp"

namespace seedgrid::storage {

struct PostgresSql {
  std::string text;     // with $1, $2, ... in place of the ?s
  int parameters = 0;   // how many ?s there were
};

Result<PostgresSql> to_postgres(std::string_view sqlite_text);

// What INSERT OR REPLACE meant, in the SQL both engines take: a row of every column in `columns`
// (as ?s, in order) that replaces the one with the same `key` columns.
std::string upsert_sql(std::string_view table, std::initializer_list<std::string_view> columns,
                       std::initializer_list<std::string_view> key);

}  // namespace seedgrid::storage
