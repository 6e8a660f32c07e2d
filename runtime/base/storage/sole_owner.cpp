#include "runtime/base/storage/sole_owner.hpp"

#include <chrono>
#include <thread>

namespace seedgrid::storage {

namespace {

// The server lets a session's locks go when its backend process ends, a moment after the client
// closed the connection or died: an owner that restarts at once may find its own old lock still
// held for a few milliseconds. Asking again for a while tells that apart from a live owner.
constexpr int kAttempts = 30;
constexpr auto kPause = std::chrono::milliseconds(100);

}  // namespace

Result<SoleOwnership> claim_sole_owner(Database& db, std::string_view what) {
  if (db.engine() != Engine::postgres) {
    // An in-memory database or a SQLite URI names no file two processes could share.
    if (db.path().empty() || db.path() == ":memory:" || db.path().starts_with("file:"))
      return SoleOwnership{};
    auto lock = ProcessLock::acquire(db.path() + ".owner", std::string(what) + " in " + db.path(),
                                     "stop that one first, or give this one its own journal file");
    if (!lock) return pass_on(lock);
    return SoleOwnership{std::move(*lock)};
  }
  auto q = db.prepare(
      "SELECT CASE WHEN pg_try_advisory_lock(2, hashtext(current_schema())) THEN 1 ELSE 0 END, "
      "current_schema()");
  if (!q) return context(q.error(), "claiming ", what);
  std::string schema;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(kPause);
    auto row = q->step();
    if (!row) return context(row.error(), "claiming ", what);
    if (!*row) return fail("claiming ", what, ": the server answered nothing");
    const bool held = q->column_int64(0) == 1;
    schema = q->column_text(1);
    q->reset();
    if (held) return SoleOwnership{};
  }
  return fail(what, " in ", db.path(), " (schema ", schema,
              ") is in use by another running process, which has held its lock for ",
              kAttempts * kPause.count() / 1000,
              " s: stop that one first, or give this one its own (another database, or another "
              "schema with options=-csearch_path%3DNAME in the URI)");
}

}  // namespace seedgrid::storage
