#include "runtime/base/storage/engine_sql.hpp"

#include <gtest/gtest.h>

#include "runtime/base/storage/database.hpp"

using namespace seedgrid::storage;

namespace {

std::string pg(std::string_view sql) {
  auto r = to_postgres(sql);
  EXPECT_TRUE(r.has_value()) << r.error().message;
  return r ? r->text : std::string();
}

TEST(EngineSql, NumbersParametersOutsideQuotedText) {
  auto r = to_postgres("SELECT a FROM t WHERE b = ? AND c = '?' AND \"d?\" = ? LIMIT ?");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->text, "SELECT a FROM t WHERE b = $1 AND c = '?' AND \"d?\" = $2 LIMIT $3");
  EXPECT_EQ(r->parameters, 3);
}

TEST(EngineSql, MapsSqliteTypesAndDropsWithoutRowid) {
  EXPECT_EQ(pg("CREATE TABLE IF NOT EXISTS t(k TEXT PRIMARY KEY, n INTEGER NOT NULL, b BLOB) "
                "WITHOUT ROWID;"),
            "CREATE TABLE IF NOT EXISTS t(k TEXT PRIMARY KEY, n BIGINT NOT NULL, b BYTEA)");
  // Only whole words: a column named `integers` or a string 'BLOB' stays as written.
  EXPECT_EQ(pg("SELECT integers FROM t WHERE k = 'BLOB integer'"),
            "SELECT integers FROM t WHERE k = 'BLOB integer'");
}

TEST(EngineSql, TransactionsPragmasAndIgnoredConflicts) {
  EXPECT_EQ(pg("BEGIN IMMEDIATE"),
            "BEGIN;\nSELECT pg_advisory_xact_lock(1, hashtext(current_schema()))");
  EXPECT_EQ(pg("BEGIN"), "BEGIN");
  EXPECT_EQ(pg("BEGIN DEFERRED"), "BEGIN ISOLATION LEVEL REPEATABLE READ");
  EXPECT_EQ(pg("PRAGMA secure_delete=ON"), "");
  EXPECT_EQ(pg("PRAGMA synchronous=FULL; CREATE TABLE a(x INTEGER);"),
            "CREATE TABLE a(x BIGINT)");
  EXPECT_EQ(pg("INSERT OR IGNORE INTO n VALUES(?, ?)"),
            "INSERT INTO n VALUES($1, $2) ON CONFLICT DO NOTHING");
  EXPECT_EQ(pg("INSERT INTO m(k, v) VALUES(?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v"),
            "INSERT INTO m(k, v) VALUES($1, $2) ON CONFLICT(k) DO UPDATE SET v = excluded.v");
  // Several statements keep their order; a doubled quote stays inside its string.
  EXPECT_EQ(pg("UPDATE t SET k = 'it''s; fine' WHERE n = ?; DELETE FROM t WHERE n = ?"),
            "UPDATE t SET k = 'it''s; fine' WHERE n = $1;\nDELETE FROM t WHERE n = $2");
}

TEST(EngineSql, RefusesWhatHasNoPostgresFormNamingTheFix) {
  auto replace = to_postgres("INSERT OR REPLACE INTO t VALUES(?)");
  ASSERT_FALSE(replace.has_value());
  EXPECT_NE(replace.error().message.find("INSERT OR REPLACE"), std::string::npos)
      << replace.error().message;
  EXPECT_NE(replace.error().message.find("ON CONFLICT(key) DO UPDATE"), std::string::npos);
  auto open_quote = to_postgres("SELECT 'abc FROM t");
  ASSERT_FALSE(open_quote.has_value());
  EXPECT_NE(open_quote.error().message.find("ends inside a quoted string"), std::string::npos);
}

TEST(EngineSql, WritesTheUpsertThatReplacesARowByItsKey) {
  EXPECT_EQ(upsert_sql("jobs", {"request_id", "idx", "phase", "worker"}, {"request_id", "idx"}),
            "INSERT INTO jobs(request_id, idx, phase, worker) VALUES(?, ?, ?, ?) ON "
            "CONFLICT(request_id, idx) DO UPDATE SET phase = excluded.phase, worker = "
            "excluded.worker");
  EXPECT_EQ(upsert_sql("seen", {"id"}, {"id"}),
            "INSERT INTO seen(id) VALUES(?) ON CONFLICT(id) DO NOTHING");
}

TEST(EngineSql, NamesTheEngineByTheLocation) {
  EXPECT_EQ(engine_of("postgresql://db.example/ledger"), Engine::postgres);
  EXPECT_EQ(engine_of("postgres:///ledger?host=/run/postgresql"), Engine::postgres);
  EXPECT_EQ(engine_of("data/treasury/ledger.sqlite"), Engine::sqlite);
  EXPECT_EQ(engine_of("postgresql.db"), Engine::sqlite);
}

}  // namespace
