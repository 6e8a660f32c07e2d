#include "runtime/base/storage/engine_sql.hpp"

#include <cctype>
#include <vector>

namespace seedgrid::storage {

namespace {

// A writer's BEGIN: the transaction, then the schema's write lock (released at its end, commit,
// rollback or a dropped connection). Keyed by the schema, so that stores in different schemas of
// one database (each test's, or a ledger beside a journal) do not wait for each other; class 1 of
// seedgrid's two-key advisory locks (class 2: a journal's owner, sole_owner.hpp).
constexpr std::string_view kWriterBegin =
    "BEGIN;\nSELECT pg_advisory_xact_lock(1, hashtext(current_schema()))";

bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// A statement's pieces: words (uppercased copy kept for matching), quoted text and punctuation,
// in order, so rewriting never looks inside a literal or an identifier in quotes.
struct Token {
  std::string text;
  std::string word;  // uppercased when text is a bare word, else empty
};

Result<std::vector<std::vector<Token>>> statements_of(std::string_view sql) {
  std::vector<std::vector<Token>> statements(1);
  std::size_t i = 0;
  while (i < sql.size()) {
    const char c = sql[i];
    if (c == '\'' || c == '"') {
      std::size_t j = i + 1;
      for (;; ++j) {
        if (j >= sql.size()) return fail("SQL text `", sql, "` ends inside a quoted string");
        if (sql[j] == c) {
          if (j + 1 < sql.size() && sql[j + 1] == c) {
            ++j;  // a doubled quote stays inside the string
            continue;
          }
          break;
        }
      }
      statements.back().push_back({std::string(sql.substr(i, j + 1 - i)), ""});
      i = j + 1;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      while (i < sql.size() && sql[i] != '\n') ++i;
    } else if (word_char(c)) {
      std::size_t j = i;
      while (j < sql.size() && word_char(sql[j])) ++j;
      const std::string_view w = sql.substr(i, j - i);
      statements.back().push_back({std::string(w), upper(w)});
      i = j;
    } else if (c == ';') {
      statements.emplace_back();
      ++i;
    } else {
      statements.back().push_back({std::string(1, c), ""});
      ++i;
    }
  }
  return statements;
}

bool is(const std::vector<Token>& t, std::size_t i, std::string_view word) {
  return i < t.size() && t[i].word == word;
}

// The first word of a statement, skipping what comes before it (spaces, newlines).
std::size_t first_word(const std::vector<Token>& t) {
  for (std::size_t i = 0; i < t.size(); ++i)
    if (!t[i].word.empty()) return i;
  return t.size();
}

}  // namespace

Result<PostgresSql> to_postgres(std::string_view sqlite_text) {
  auto statements = statements_of(sqlite_text);
  if (!statements) return pass_on(statements);
  PostgresSql out;
  for (auto& t : *statements) {
    const std::size_t first = first_word(t);
    if (first == t.size()) continue;      // empty: only spaces between semicolons
    if (is(t, first, "PRAGMA")) continue;  // SQLite's storage tuning
    bool ignore_conflicts = false;
    std::string text;
    for (std::size_t i = 0; i < t.size(); ++i) {
      if (i == first && is(t, i, "BEGIN")) {
        // A writer (IMMEDIATE) takes what SQLite's BEGIN IMMEDIATE takes: the one write lock of
        // its database (here: of its schema), held to its commit. The stores read and then write
        // what they read (the ledger's head and balances): under READ COMMITTED alone a second
        // writer (the CLI beside the treasury) would extend the same head or overwrite a
        // balance with one computed before the first writer's commit. A reader (DEFERRED) wants
        // what SQLite's read transaction gives: one snapshot for all its statements, which READ
        // COMMITTED (PostgreSQL's default) would not keep.
        std::size_t j = i + 1;
        while (j < t.size() && t[j].word.empty() && t[j].text == " ") ++j;
        if (is(t, j, "DEFERRED")) {
          text += "BEGIN ISOLATION LEVEL REPEATABLE READ";
          i = j;
        } else if (is(t, j, "IMMEDIATE") || is(t, j, "EXCLUSIVE")) {
          text += kWriterBegin;
          i = j;
        } else {
          text += "BEGIN";
        }
        continue;
      }
      if (i == first && is(t, i, "INSERT")) {
        std::size_t j = i + 1;
        while (j < t.size() && t[j].word.empty() && t[j].text == " ") ++j;
        if (is(t, j, "OR")) {
          std::size_t k = j + 1;
          while (k < t.size() && t[k].word.empty() && t[k].text == " ") ++k;
          if (is(t, k, "IGNORE")) {
            ignore_conflicts = true;
            text += "INSERT";
            i = k;
            continue;
          }
          return fail("SQL `", sqlite_text,
                      "`: INSERT OR ", k < t.size() ? t[k].text : std::string(),
                      " has no PostgreSQL form; write INSERT ... ON CONFLICT(key) DO UPDATE");
        }
      }
      if (is(t, i, "WITHOUT")) {
        std::size_t j = i + 1;
        while (j < t.size() && t[j].word.empty() && t[j].text == " ") ++j;
        if (is(t, j, "ROWID")) {
          i = j;
          continue;
        }
      }
      if (t[i].word == "INTEGER") {
        text += "BIGINT";  // SQLite's INTEGER holds 64 bits; PostgreSQL's only 32
      } else if (t[i].word == "BLOB") {
        text += "BYTEA";
      } else if (t[i].text == "?") {
        text += "$" + std::to_string(++out.parameters);
      } else {
        text += t[i].text;
      }
    }
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
    const auto lead = text.find_first_not_of(" \t\r\n");
    text.erase(0, lead == std::string::npos ? text.size() : lead);
    if (ignore_conflicts) text += " ON CONFLICT DO NOTHING";
    if (!out.text.empty()) out.text += ";\n";
    out.text += text;
  }
  return out;
}

std::string upsert_sql(std::string_view table, std::initializer_list<std::string_view> columns,
                       std::initializer_list<std::string_view> key) {
  std::string names, marks, keys, updates;
  for (const auto c : columns) {
    names += (names.empty() ? "" : ", ") + std::string(c);
    marks += marks.empty() ? "?" : ", ?";
    bool in_key = false;
    for (const auto k : key) in_key = in_key || k == c;
    if (!in_key)
      updates += (updates.empty() ? "" : ", ") + std::string(c) + " = excluded." + std::string(c);
  }
  for (const auto k : key) keys += (keys.empty() ? "" : ", ") + std::string(k);
  return "INSERT INTO " + std::string(table) + "(" + names + ") VALUES(" + marks +
         ") ON CONFLICT(" + keys + ") DO " +
         (updates.empty() ? std::string("NOTHING") : "UPDATE SET " + updates);
}

}  // namespace seedgrid::storage
