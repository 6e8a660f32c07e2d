// The engine for several machines: a PostgreSQL database named by a `postgresql://` URI (issue
// 17 §3). Statements are prepared on the server once; results come back as text, which reads
// every integer PostgreSQL may hand back (BIGINT, or NUMERIC for a SUM) the same way.
//
// Writes inside a transaction go out in libpq's pipeline mode: each was one round trip to the
// server, and a ledger's settlement or a journal's job is several writes between two reads. They
// are read back (in order, with their row counts) when anything else needs the connection: a read,
// an exec (COMMIT among them), a prepare. Outside a transaction each write waits for its answer,
// since a pipeline's writes up to its sync would otherwise commit or fail as one.
#include <libpq-fe.h>

#include <charconv>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "runtime/base/storage/database.hpp"
#include "runtime/base/storage/engine.hpp"
#include "runtime/base/storage/engine_sql.hpp"

namespace seedgrid::storage::engine {

namespace {

constexpr Oid kByteaOid = 17;  // pg_type.oid of bytea, fixed in PostgreSQL's catalog

// At most this many writes wait in the pipeline: their answers (~50 bytes each) must fit the
// socket's buffers while nothing reads them, or the server and this process would block on each
// other.
constexpr std::size_t kMostWritesInFlight = 256;

// The connection, shared with its statements so that one outliving the Database is still safe.
struct Session {
  struct Sent {
    std::string_view sql;  // its query's, which settles before it goes
    std::function<void(std::int64_t)> after;
    PGresult** rows = nullptr;  // a read sent behind the writes: where its result goes
  };

  PGconn* conn = nullptr;
  std::string uri;
  std::int64_t changes = 0;
  std::uint64_t next_statement = 0;
  std::vector<Sent> sent;  // in the pipeline, answers not read yet
  // A sent write's failure read back where it could not be returned (a destructor, changes()):
  // the next read, exec or prepare returns it.
  std::optional<Error> failure;

  ~Session() {
    (void)settle();
    PQfinish(conn);
  }
  // Reads back every sent write's answer and leaves pipeline mode; the first failure, if any.
  Result<void> settle();
};

Error postgres_error(const Session& s, std::string_view sql, const PGresult* result) {
  const char* message = result ? PQresultErrorMessage(result) : nullptr;
  if (!message || !*message) message = PQerrorMessage(s.conn);
  std::string text = message ? message : "no message";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  return Error{message_of("PostgreSQL error in ", s.uri, " running `", sql, "`: ", text,
                          state ? message_of(" (SQLSTATE ", state, ")") : std::string())};
}

void note_changes(Session& s, const PGresult* result) {
  const char* n = PQcmdTuples(const_cast<PGresult*>(result));
  std::int64_t value = 0;
  if (n && *n) std::from_chars(n, n + std::char_traits<char>::length(n), value);
  s.changes = value;
}

Result<void> Session::settle() {
  if (sent.empty()) {
    if (failure) return std::unexpected(*std::exchange(failure, std::nullopt));
    return {};
  }
  std::optional<Error> first = std::exchange(failure, std::nullopt);
  auto note = [&](Error e) {
    if (!first) first = std::move(e);
  };
  if (PQpipelineSync(conn) != 1) note(postgres_error(*this, "(the end of a pipeline)", nullptr));
  for (Sent& write : sent) {
    PGresult* result = PQgetResult(conn);
    if (!result) {  // the connection went: nothing more will come
      note(postgres_error(*this, write.sql, nullptr));
      break;
    }
    const auto status = PQresultStatus(result);
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
      note_changes(*this, result);
      if (write.after) write.after(changes);
      if (write.rows) *write.rows = std::exchange(result, nullptr);
    } else if (status != PGRES_PIPELINE_ABORTED) {  // skipped after an earlier failure
      note(postgres_error(*this, write.sql, result));
    }
    PQclear(result);
    while ((result = PQgetResult(conn))) PQclear(result);  // up to the null that ends its answer
  }
  sent.clear();
  // The sync's own result, then out of pipeline mode (which needs every answer read).
  for (PGresult* result; (result = PQgetResult(conn));) {
    const bool sync = PQresultStatus(result) == PGRES_PIPELINE_SYNC;
    PQclear(result);
    if (sync) break;
  }
  if (PQexitPipelineMode(conn) != 1)
    note(postgres_error(*this, "(the end of a pipeline)", nullptr));
  if (first) return std::unexpected(*first);
  return {};
}

// bytea's text form is `\x` and two hex digits a byte.
std::vector<std::uint8_t> bytea_of(const char* text, int length) {
  std::vector<std::uint8_t> out;
  if (length < 2 || text[0] != '\\' || text[1] != 'x') return out;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return 0;
  };
  out.reserve(static_cast<std::size_t>(length - 2) / 2);
  for (int i = 2; i + 1 < length; i += 2)
    out.push_back(static_cast<std::uint8_t>(nibble(text[i]) << 4 | nibble(text[i + 1])));
  return out;
}

class PostgresQuery final : public Query {
 public:
  PostgresQuery(std::shared_ptr<Session> session, std::string name, std::string sql,
                int parameters)
      : session_(std::move(session)),
        name_(std::move(name)),
        sql_(std::move(sql)),
        values_(static_cast<std::size_t>(parameters)),
        formats_(static_cast<std::size_t>(parameters), 0) {}
  ~PostgresQuery() override {
    PQclear(result_);
    if (auto settled = session_->settle(); !settled) session_->failure = settled.error();
    PQclear(PQexec(session_->conn, ("DEALLOCATE " + name_).c_str()));
  }

  void bind_int64(int index, std::int64_t value) override {
    put(index, std::to_string(value), 0);
  }
  void bind_text(int index, std::string_view text) override { put(index, std::string(text), 0); }
  void bind_blob(int index, std::span<const std::uint8_t> bytes) override {
    put(index, std::string(bytes.begin(), bytes.end()), 1);
  }
  void bind_null(int index) override {
    if (slot(index)) values_[static_cast<std::size_t>(index - 1)].reset();
  }

  Result<bool> step() override {
    if (!bind_error_.empty()) {
      Error e{message_of("SQL `", sql_, "`: ", bind_error_)};
      reset();
      return std::unexpected(e);
    }
    if (!result_) {
      Session& s = *session_;
      if (!s.sent.empty()) {
        // Writes are in flight: the read goes behind them and their answers and its rows come
        // back in one round trip.
        PGresult* rows = nullptr;
        if (auto r = send_in_pipeline({sql_, {}, &rows}); !r) return pass_on(r);
        if (auto settled = s.settle(); !settled) {
          PQclear(rows);
          reset();
          return std::unexpected(settled.error());
        }
        if (!rows) {
          reset();
          return fail("PostgreSQL error in ", s.uri, " running `", sql_, "`: no answer came back");
        }
        result_ = rows;
        row_ = -1;
        return ++row_ < PQntuples(result_);
      }
      if (auto settled = s.settle(); !settled) {
        reset();
        return std::unexpected(settled.error());
      }
      const Parameters p = parameters();
      result_ = PQexecPrepared(s.conn, name_.c_str(), static_cast<int>(p.values.size()),
                               p.values.data(), p.lengths.data(), formats_.data(), 0);
      const auto status = PQresultStatus(result_);
      if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
        Error e = postgres_error(*session_, sql_, result_);
        PQclear(result_);
        result_ = nullptr;
        return std::unexpected(e);
      }
      note_changes(*session_, result_);
      row_ = -1;
    }
    return ++row_ < PQntuples(result_);
  }
  Result<bool> send(std::function<void(std::int64_t)>& after) override {
    if (!bind_error_.empty() || result_) return false;  // step() reports the one, reads the other
    Session& s = *session_;
    if (PQpipelineStatus(s.conn) == PQ_PIPELINE_OFF) {
      if (PQtransactionStatus(s.conn) != PQTRANS_INTRANS) return false;
      if (s.failure) return false;  // step() reports it
      if (PQenterPipelineMode(s.conn) != 1) return false;
    }
    if (auto r = send_in_pipeline({sql_, std::move(after)}); !r) return pass_on(r);
    reset();
    if (s.sent.size() >= kMostWritesInFlight)
      if (auto settled = s.settle(); !settled) return std::unexpected(settled.error());
    return true;
  }
  void reset() override {
    PQclear(result_);
    result_ = nullptr;
    row_ = -1;
    for (auto& v : values_) v.reset();
    bind_error_.clear();
  }

  std::int64_t column_int64(int column) const override {
    const char* text = value(column);
    std::int64_t out = 0;
    if (text) std::from_chars(text, text + PQgetlength(result_, row_, column), out);
    return out;
  }
  std::string column_text(int column) const override {
    const char* text = value(column);
    if (!text) return {};
    const int n = PQgetlength(result_, row_, column);
    if (PQftype(result_, column) == kByteaOid) {
      auto bytes = bytea_of(text, n);
      return std::string(bytes.begin(), bytes.end());
    }
    return std::string(text, static_cast<std::size_t>(n));
  }
  std::vector<std::uint8_t> column_blob(int column) const override {
    const char* text = value(column);
    if (!text) return {};
    const int n = PQgetlength(result_, row_, column);
    if (PQftype(result_, column) == kByteaOid) return bytea_of(text, n);
    return std::vector<std::uint8_t>(text, text + n);
  }
  bool column_is_null(int column) const override {
    return !result_ || column >= PQnfields(result_) || PQgetisnull(result_, row_, column);
  }
  std::string_view sql() const override { return sql_; }

 private:
  struct Parameters {
    std::vector<const char*> values;
    std::vector<int> lengths;
  };
  // Sends this statement with its bindings into the session's pipeline, to be answered at its
  // next settle() (`sent` says where the answer goes); a failure to send resets the statement.
  Result<void> send_in_pipeline(Session::Sent sent) {
    Session& s = *session_;
    const Parameters p = parameters();
    if (PQsendQueryPrepared(s.conn, name_.c_str(), static_cast<int>(p.values.size()),
                            p.values.data(), p.lengths.data(), formats_.data(), 0) != 1) {
      Error e = postgres_error(s, sql_, nullptr);
      reset();
      return std::unexpected(e);
    }
    s.sent.push_back(std::move(sent));
    return {};
  }
  Parameters parameters() const {
    Parameters p{std::vector<const char*>(values_.size()), std::vector<int>(values_.size())};
    for (std::size_t i = 0; i < values_.size(); ++i) {
      p.values[i] = values_[i] ? values_[i]->data() : nullptr;
      p.lengths[i] = values_[i] ? static_cast<int>(values_[i]->size()) : 0;
    }
    return p;
  }
  bool slot(int index) {
    if (index >= 1 && static_cast<std::size_t>(index) <= values_.size()) return true;
    if (bind_error_.empty())
      bind_error_ = message_of("cannot bind parameter ", index, ": the statement has ",
                               values_.size(), " parameters");
    return false;
  }
  void put(int index, std::string bytes, int format) {
    if (!slot(index)) return;
    values_[static_cast<std::size_t>(index - 1)] = std::move(bytes);
    formats_[static_cast<std::size_t>(index - 1)] = format;
  }
  // Null when there is no current row or the value is SQL NULL.
  const char* value(int column) const {
    if (!result_ || row_ < 0 || row_ >= PQntuples(result_) || column >= PQnfields(result_) ||
        PQgetisnull(result_, row_, column))
      return nullptr;
    return PQgetvalue(result_, row_, column);
  }

  std::shared_ptr<Session> session_;
  std::string name_;
  std::string sql_;  // as the caller wrote it, for messages
  std::vector<std::optional<std::string>> values_;
  std::vector<int> formats_;  // 0 text, 1 binary (blobs)
  std::string bind_error_;
  PGresult* result_ = nullptr;
  int row_ = -1;
};

class PostgresConnection final : public Connection {
 public:
  explicit PostgresConnection(std::shared_ptr<Session> session) : session_(std::move(session)) {}

  Result<void> exec(std::string_view sql) override {
    auto text = to_postgres(sql);
    if (!text) return pass_on(text);
    if (auto settled = session_->settle(); !settled) return settled;
    if (text->text.empty()) return {};  // only PRAGMAs
    PGresult* result = PQexec(session_->conn, text->text.c_str());
    const auto status = PQresultStatus(result);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY) {
      Error e = postgres_error(*session_, sql, result);
      PQclear(result);
      return std::unexpected(e);
    }
    // PostgreSQL answers COMMIT in a transaction a failed statement aborted with the tag ROLLBACK
    // and no error: the failure may have been reported to a caller that did not stop the commit.
    const bool rolled_back =
        text->text == "COMMIT" && std::string_view(PQcmdStatus(result)) == "ROLLBACK";
    note_changes(*session_, result);
    PQclear(result);
    if (rolled_back)
      return fail("PostgreSQL error in ", session_->uri,
                  ": the transaction was rolled back at its COMMIT, since a statement in it had "
                  "failed (reported earlier); nothing it wrote was kept");
    return {};
  }

  Result<std::unique_ptr<Query>> prepare(std::string_view sql) override {
    auto text = to_postgres(sql);
    if (!text) return pass_on(text);
    if (text->text.empty()) return fail("SQL text `", sql, "` holds no PostgreSQL statement");
    if (auto settled = session_->settle(); !settled) return pass_on(settled);
    const std::string name = message_of("seedgrid_", ++session_->next_statement);
    PGresult* result =
        PQprepare(session_->conn, name.c_str(), text->text.c_str(), text->parameters, nullptr);
    if (PQresultStatus(result) != PGRES_COMMAND_OK) {
      Error e = postgres_error(*session_, sql, result);
      PQclear(result);
      return std::unexpected(e);
    }
    PQclear(result);
    return std::unique_ptr<Query>(
        new PostgresQuery(session_, name, std::string(sql), text->parameters));
  }

  std::int64_t changes() const override {
    if (auto settled = session_->settle(); !settled) session_->failure = settled.error();
    return session_->changes;
  }

 private:
  std::shared_ptr<Session> session_;
};

void drop_notice(void*, const char*) {}  // "relation already exists, skipping" and the like

}  // namespace

// Passwords stay out of configs and logs, where a URI ends up: libpq reads them from
// ~/.pgpass (or PGPASSFILE) for the host, port, database and user in the URI.
Result<void> check_postgres_uri(const std::string& uri) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(uri.c_str(), &error);
  if (!options) {
    std::string message = error ? error : "not a connection URI";
    PQfreemem(error);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    return fail("cannot open database ", uri, ": ", message);
  }
  bool has_password = false;
  for (auto* o = options; o->keyword; ++o)
    if (std::string_view(o->keyword) == "password" && o->val && *o->val) has_password = true;
  PQconninfoFree(options);
  if (has_password)
    return fail("database URI ", uri.substr(0, uri.find("://") + 3),
                "...: holds a password; put it in ~/.pgpass (or the file PGPASSFILE names) so it "
                "never appears in a config file or a log");
  return {};
}

Result<std::unique_ptr<Connection>> open_postgres(const std::string& uri,
                                                  const OpenOptions& options) {
  if (auto r = check_postgres_uri(uri); !r) return pass_on(r);
  auto session = std::make_shared<Session>();
  session->uri = uri;
  session->conn = PQconnectdb(uri.c_str());
  if (PQstatus(session->conn) != CONNECTION_OK) {
    std::string message = PQerrorMessage(session->conn);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
      message.pop_back();
    return fail("cannot open database ", uri, ": ", message);
  }
  PQsetNoticeProcessor(session->conn, drop_notice, nullptr);
  auto connection = std::make_unique<PostgresConnection>(session);
  // Every commit waits for its WAL flush (PostgreSQL's default, stated so a server configured
  // otherwise does not silently weaken the ledger's promise).
  if (auto r = connection->exec("SET synchronous_commit = on"); !r)
    return context(r.error(), "opening ", uri);
  // A writer waits for another's write lock as long as SQLite's busy timeout would, then fails
  // with PostgreSQL's "canceling statement due to lock timeout" instead of hanging.
  if (auto r = connection->exec("SET lock_timeout = " + std::to_string(options.busy_timeout_ms));
      !r)
    return context(r.error(), "opening ", uri);
  if (options.read_only)
    if (auto r = connection->exec("SET default_transaction_read_only = on"); !r)
      return context(r.error(), "opening ", uri);
  return std::unique_ptr<Connection>(std::move(connection));
}

}  // namespace seedgrid::storage::engine
