#include "actors/coordinator/journal_results.hpp"

#include <algorithm>
#include <set>
#include <utility>

#include "actors/coordinator/journal_state.hpp"

namespace seedgrid::coordinator {

namespace journal_results {

const std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS result_images(hash BLOB PRIMARY KEY, pixels BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS result_image_places(hash BLOB PRIMARY KEY, segment INTEGER NOT NULL,
  at_byte INTEGER NOT NULL, size INTEGER NOT NULL);
)sql";

namespace {

using storage::ResetAtExit;

std::span<const std::uint8_t> bytes_of(const Digest& hash) { return {hash.data(), hash.size()}; }

}  // namespace

Result<Statements> prepare(storage::Database& db) {
  auto put = db.prepare("INSERT OR IGNORE INTO result_images(hash, pixels) VALUES(?, ?)");
  auto find = db.prepare("SELECT pixels FROM result_images WHERE hash = ?");
  auto exists = db.prepare("SELECT 1 FROM result_images WHERE hash = ?");
  auto remove = db.prepare("DELETE FROM result_images WHERE hash = ?");
  auto put_place = db.prepare(
      "INSERT OR IGNORE INTO result_image_places(hash, segment, at_byte, size) "
      "VALUES(?, ?, ?, ?)");
  auto find_place =
      db.prepare("SELECT segment, at_byte, size FROM result_image_places WHERE hash = ?");
  auto remove_place =
      db.prepare("DELETE FROM result_image_places WHERE hash = ? RETURNING segment, at_byte, size");
  for (auto* q : {&put, &find, &exists, &remove, &put_place, &find_place, &remove_place})
    if (!*q) return pass_on(*q);
  return Statements{std::move(*put),         std::move(*find),      std::move(*exists),
                    std::move(*remove),      std::move(*put_place), std::move(*find_place),
                    std::move(*remove_place)};
}

Result<void> put(Statements& st, const Digest& hash, std::span<const std::uint8_t> pixels) {
  auto w = st.put.bind_blob(1, bytes_of(hash)).bind_blob(2, pixels).run();
  if (!w) st.put.reset();
  return w;
}

Result<std::optional<std::vector<std::uint8_t>>> find(Statements& st, const Digest& hash) {
  const ResetAtExit done{st.find};
  st.find.bind_blob(1, bytes_of(hash));
  auto row = st.find.step();
  if (!row) return pass_on(row);
  if (!*row) return std::optional<std::vector<std::uint8_t>>{};
  return std::optional{st.find.column_blob(0)};
}

Result<bool> exists(Statements& st, const Digest& hash) {
  const ResetAtExit done{st.exists};
  st.exists.bind_blob(1, bytes_of(hash));
  auto row = st.exists.step();
  if (!row) return pass_on(row);
  return *row;
}

Result<void> remove(Statements& st, const Digest& hash) {
  auto w = st.remove.bind_blob(1, bytes_of(hash)).run();
  if (!w) st.remove.reset();
  return w;
}

Result<std::vector<Digest>> hashes(storage::Database& db) {
  auto q = db.prepare(
      "SELECT hash FROM result_images UNION SELECT hash FROM result_image_places ORDER BY hash");
  if (!q) return pass_on(q);
  std::vector<Digest> out;
  for (;;) {
    auto row = q->step();
    if (!row) return pass_on(row);
    if (!*row) break;
    const auto blob = q->column_blob(0);
    Digest d{};
    if (blob.size() != d.size())
      return fail("journal: a result image is named by ", blob.size(), " bytes, not ", d.size());
    std::copy(blob.begin(), blob.end(), d.begin());
    out.push_back(d);
  }
  return out;
}

Result<void> put_place(Statements& st, const Digest& hash, const ImagePlace& place,
                       storage::AfterRun after) {
  auto w = st.put_place.bind_blob(1, bytes_of(hash))
               .bind(2, static_cast<std::int64_t>(place.segment))
               .bind(3, static_cast<std::int64_t>(place.offset))
               .bind(4, static_cast<std::int64_t>(place.size))
               .run(std::move(after));
  if (!w) st.put_place.reset();
  return w;
}

namespace {

// A row of (segment, at_byte, size), or none.
Result<std::optional<ImagePlace>> place_row(storage::Statement& q, const Digest& hash) {
  const ResetAtExit done{q};
  q.bind_blob(1, bytes_of(hash));
  auto row = q.step();
  if (!row) return pass_on(row);
  if (!*row) return std::optional<ImagePlace>{};
  return std::optional{ImagePlace{static_cast<std::uint64_t>(q.column_int64(0)),
                                  static_cast<std::uint64_t>(q.column_int64(1)),
                                  static_cast<std::uint64_t>(q.column_int64(2))}};
}

}  // namespace

Result<std::optional<ImagePlace>> find_place(Statements& st, const Digest& hash) {
  return place_row(st.find_place, hash);
}

Result<std::optional<ImagePlace>> remove_place(Statements& st, const Digest& hash) {
  return place_row(st.remove_place, hash);
}

Result<LogUse> sweep(ImageLog& log, storage::Database& db) {
  auto q = db.prepare("SELECT segment, at_byte FROM result_image_places");
  if (!q) return pass_on(q);
  std::map<std::uint64_t, std::set<std::uint64_t>> named;
  for (;;) {
    auto row = q->step();
    if (!row) return pass_on(row);
    if (!*row) break;
    named[static_cast<std::uint64_t>(q->column_int64(0))].insert(
        static_cast<std::uint64_t>(q->column_int64(1)));
  }
  LogUse use;
  for (const std::uint64_t segment : log.segments()) {
    if (segment == log.active_segment()) continue;
    // A segment that goes is overwritten first: a private image's bytes must not outlive it in
    // freed blocks.
    const auto& places = named[segment];
    auto records = log.records(segment);
    if (!records) return pass_on(records);
    for (const auto& r : *records)
      if (!r.erased && !places.contains(r.place.offset))
        if (auto e = log.erase(r.place); !e) return pass_on(e);
    if (!places.empty()) use.named[segment] = places.size();
  }
  if (auto s = log.sync(); !s) return pass_on(s);
  for (const std::uint64_t segment : log.segments())
    if (segment != log.active_segment() && !use.named.contains(segment))
      if (auto r = log.remove_segment(segment); !r) return pass_on(r);
  return use;
}

Result<void> before_commit(ImageLog& log, const LogChanges& changes) {
  for (const auto& o : changes.offered) {
    // A refused result's pixels, or a second copy of a stored image: named by nothing, and
    // possibly a private request's, so overwritten now rather than left for the next open.
    if (!*o.named)
      if (auto e = log.erase(o.place); !e)
        return context(e.error(), "journal: overwriting the unnamed image ", to_hex(o.hash));
    log.release(o.place);
  }
  for (const ImagePlace& place : changes.held) log.release(place);
  // The images this commit names are durable before it is. The result checkers append between
  // commits, so the log is nearly always unsynced: a commit that names no new image leaves it.
  const bool names_one = std::any_of(changes.names.begin(), changes.names.end(),
                                     [](const auto& n) { return n.change > 0 && *n.named; });
  if (names_one && log.unsynced()) return log.sync();
  return {};
}

Result<void> after_commit(ImageLog& log, LogUse& use, const LogChanges& changes) {
  for (const auto& change : changes.names) {
    if (change.change > 0 && !*change.named) continue;
    auto& n = use.named[change.segment];
    n = change.change > 0 ? n + 1 : (n > 0 ? n - 1 : 0);
  }
  for (const ImagePlace& place : changes.to_erase)
    if (auto e = log.erase(place); !e) return e;
  if (!changes.to_erase.empty())
    if (auto s = log.sync(); !s) return s;
  for (const std::uint64_t segment : log.segments()) {
    if (log.in_use(segment)) continue;
    auto it = use.named.find(segment);
    if (it != use.named.end() && it->second > 0) continue;
    if (it != use.named.end()) use.named.erase(it);
    if (auto r = log.remove_segment(segment); !r) return r;
  }
  return {};
}

}  // namespace journal_results

Result<void> Journal::put_result_image(const Digest& hash, std::span<const std::uint8_t> pixels) {
  if (auto t = ensure_transaction(); !t) return t;
  auto& log = state_->image_log;
  if (!log) {
    if (auto w = journal_results::put(state_->images, hash, pixels); !w)
      return context(w.error(), "journal: storing image ", to_hex(hash));
    return {};
  }
  auto& changes = state_->log_changes;
  // From the newest: a result's record is offered just before the result is applied, and a
  // commit may hold thousands.
  auto offered = std::find_if(changes.offered.rbegin(), changes.offered.rend(),
                              [&](const auto& o) { return o.hash == hash; });
  std::shared_ptr<bool> offered_named;
  ImagePlace place;
  if (offered != changes.offered.rend()) {
    place = offered->place;
    offered_named = offered->named;
  } else {
    // Held until the commit has counted it: the commit before this one may be running on the
    // journal's writer, and must not take this record's segment for one that names nothing.
    auto appended = log->append_held(hash, pixels);
    if (!appended) return pass_on(appended);
    place = *appended;
    changes.held.push_back(place);
  }
  // The same image put twice is one place (the hash names the bytes): the second record is
  // named by nothing, and overwritten at the next open (or, written by a checker, at the
  // commit). Rare enough (two jobs with one output) not to look the hash up before every append;
  // whether this one named its record is known where its statement runs.
  auto named = std::make_shared<bool>(false);
  if (auto w = journal_results::put_place(state_->images, hash, place,
                                          [named, offered_named](std::int64_t rows) {
                                            if (rows != 1) return;
                                            *named = true;
                                            if (offered_named) *offered_named = true;
                                          });
      !w)
    return context(w.error(), "journal: storing image ", to_hex(hash));
  changes.names.push_back({place.segment, +1, std::move(named)});
  return {};
}

void Journal::offer_result_image(const Digest& hash, const ImagePlace& place) {
  state_->log_changes.offered.push_back({hash, place});
}

std::shared_ptr<ImageLog> Journal::image_log() const { return state_->image_log; }

Result<std::optional<std::vector<std::uint8_t>>> Journal::find_result_image(
    const Digest& hash) const {
  if (state_->image_log) {
    auto place = journal_results::find_place(state_->images, hash);
    if (!place) return context(place.error(), "journal: reading image ", to_hex(hash));
    if (*place) {
      auto pixels = state_->image_log->read(**place, hash);
      if (!pixels) return pass_on(pixels);
      return std::optional{std::move(*pixels)};
    }
  }
  auto found = journal_results::find(state_->images, hash);
  if (!found) return context(found.error(), "journal: reading image ", to_hex(hash));
  return found;
}

Result<bool> Journal::has_result_image(const Digest& hash) const {
  if (state_->image_log) {
    auto place = journal_results::find_place(state_->images, hash);
    if (!place) return context(place.error(), "journal: looking up image ", to_hex(hash));
    if (*place) return true;
  }
  auto found = journal_results::exists(state_->images, hash);
  if (!found) return context(found.error(), "journal: looking up image ", to_hex(hash));
  return found;
}

Result<std::vector<Digest>> Journal::result_image_hashes() const {
  auto found = journal_results::hashes(state_->db);
  if (!found) return context(found.error(), "journal: listing result images");
  return found;
}

Result<void> Journal::delete_result_image(const Digest& hash, bool zero_pages) {
  if (auto t = ensure_transaction(); !t) return t;
  if (state_->image_log) {
    // Counted after the puts before it (after_commit counts in order): a put and a delete of one
    // image in one transaction leave its segment's count as it was.
    auto place = journal_results::remove_place(state_->images, hash);
    if (!place) return context(place.error(), "journal: deleting image ", to_hex(hash));
    if (*place) {
      // Its record is overwritten only once the delete is committed: a crash before that must
      // still find the image the journal names.
      state_->log_changes.names.push_back({(*place)->segment, -1, nullptr});
      if (zero_pages) state_->log_changes.to_erase.push_back(**place);
      return {};
    }
  }
  auto w = delete_zeroing_or_not(state_->db, zero_pages,
                                 [&] { return journal_results::remove(state_->images, hash); });
  if (!w) return context(w.error(), "journal: deleting image ", to_hex(hash));
  return {};
}

}  // namespace seedgrid::coordinator
