#include "actors/coordinator/journal_results.hpp"

#include <algorithm>

#include "actors/coordinator/journal_state.hpp"

namespace seedgrid::coordinator {

namespace journal_results {

const std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS result_images(hash BLOB PRIMARY KEY, pixels BLOB NOT NULL);
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
  for (auto* q : {&put, &find, &exists, &remove})
    if (!*q) return pass_on(*q);
  return Statements{std::move(*put), std::move(*find), std::move(*exists), std::move(*remove)};
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
  auto q = db.prepare("SELECT hash FROM result_images ORDER BY hash");
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

}  // namespace journal_results

Result<void> Journal::put_result_image(const Digest& hash, std::span<const std::uint8_t> pixels) {
  if (auto t = ensure_transaction(); !t) return t;
  if (auto w = journal_results::put(state_->images, hash, pixels); !w)
    return context(w.error(), "journal: storing image ", to_hex(hash));
  return {};
}

Result<std::optional<std::vector<std::uint8_t>>> Journal::find_result_image(
    const Digest& hash) const {
  auto found = journal_results::find(state_->images, hash);
  if (!found) return context(found.error(), "journal: reading image ", to_hex(hash));
  return found;
}

Result<bool> Journal::has_result_image(const Digest& hash) const {
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
  auto w = delete_zeroing_or_not(state_->db, zero_pages,
                                 [&] { return journal_results::remove(state_->images, hash); });
  if (!w) return context(w.error(), "journal: deleting image ", to_hex(hash));
  return {};
}

}  // namespace seedgrid::coordinator
