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

Result<void> after_commit(ImageLog& log, LogUse& use) {
  for (const auto& [segment, change] : use.staged) {
    auto& n = use.named[segment];
    n = change > 0 ? n + 1 : (n > 0 ? n - 1 : 0);
  }
  use.staged.clear();
  const auto to_erase = std::exchange(use.to_erase, {});
  for (const ImagePlace& place : to_erase)
    if (auto e = log.erase(place); !e) return e;
  if (!to_erase.empty())
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
  auto& offered = state_->offered_images;
  auto written = std::find_if(offered.begin(), offered.end(),
                              [&](const auto& o) { return !o.named && o.hash == hash; });
  Result<ImagePlace> place =
      written != offered.end() ? Result<ImagePlace>(written->place) : log->append(hash, pixels);
  if (!place) return pass_on(place);
  // The same image put twice is one place (the hash names the bytes): the second record is
  // named by nothing, and overwritten at the next open (or, written by a checker, once its
  // results are settled). Rare enough (two jobs with one output) not to look the hash up before
  // every append; whether this one named its record is known once its statement ran
  // (resolve_placed_images).
  auto named = std::make_shared<bool>(false);
  if (auto w = journal_results::put_place(state_->images, hash, *place,
                                          [named](std::int64_t changes) { *named = changes == 1; });
      !w)
    return context(w.error(), "journal: storing image ", to_hex(hash));
  std::optional<std::size_t> offered_at;
  if (written != offered.end()) offered_at = static_cast<std::size_t>(written - offered.begin());
  state_->placed_images.push_back({std::move(named), place->segment, offered_at});
  return {};
}

Result<void> Journal::resolve_placed_images() {
  State& s = *state_;
  if (s.placed_images.empty()) return {};
  if (auto d = s.db.drain(); !d) {
    s.placed_images.clear();
    return d;
  }
  for (const auto& p : std::exchange(s.placed_images, {})) {
    if (!*p.named) continue;
    s.log_use.staged.emplace_back(p.segment, +1);
    if (p.offered) s.offered_images[*p.offered].named = true;
  }
  return {};
}

void Journal::offer_result_image(const Digest& hash, const ImagePlace& place) {
  state_->offered_images.push_back({hash, place});
}

Result<void> Journal::settle_offered_images() {
  auto& log = state_->image_log;
  Result<void> settled = resolve_placed_images();
  for (const auto& o : std::exchange(state_->offered_images, {})) {
    // A refused result's pixels, or a second copy of a stored image: named by nothing, and
    // possibly a private request's, so overwritten now rather than left for the next open.
    if (!o.named && settled)
      if (auto e = log->erase(o.place); !e)
        settled = context(e.error(), "journal: overwriting the unnamed image ", to_hex(o.hash));
    // A named record is held by its name from here: its segment stays while the journal names it
    // (after_commit counts the staged name before it removes anything).
    log->release(o.place);
  }
  return settled;
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
    // The places put before it are counted first: a put and a delete of one image in one
    // transaction must stage +1 before -1 (after_commit counts them in order).
    if (auto r = resolve_placed_images(); !r) return context(r.error(), "journal: deleting image");
    auto place = journal_results::remove_place(state_->images, hash);
    if (!place) return context(place.error(), "journal: deleting image ", to_hex(hash));
    if (*place) {
      // Its record is overwritten only once the delete is committed: a crash before that must
      // still find the image the journal names.
      state_->log_use.staged.emplace_back((*place)->segment, -1);
      if (zero_pages) state_->log_use.to_erase.push_back(**place);
      return {};
    }
  }
  auto w = delete_zeroing_or_not(state_->db, zero_pages,
                                 [&] { return journal_results::remove(state_->images, hash); });
  if (!w) return context(w.error(), "journal: deleting image ", to_hex(hash));
  return {};
}

}  // namespace seedgrid::coordinator
