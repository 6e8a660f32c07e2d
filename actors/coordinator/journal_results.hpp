#pragma once
// The journal's record of result images (the RGB8 pixels by their BLAKE2b), written in the same
// transaction as the result that names them: a crash can never leave a committed result without
// its image or a half-written image under a valid hash.
//
// On a durable SQLite journal the pixels go to the image log beside it (image_log.hpp) and the
// journal keeps each one's place (result_image_places); the log is synced before the journal's
// commit. On PostgreSQL, and in the simulator's throw-away journal, the pixels are a row
// (result_images), as every journal before the log kept them; such rows are still read, and
// deleted, wherever they are.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "actors/coordinator/image_log.hpp"
#include "models/result.hpp"
#include "runtime/base/crypto/hash.hpp"
#include "runtime/base/storage/database.hpp"
#include "runtime/base/storage/statement.hpp"

namespace seedgrid::coordinator::journal_results {

// CREATE TABLE IF NOT EXISTS statement, run when the journal opens.
extern const std::string_view kSchema;

struct Statements {
  storage::Statement put, find, exists, remove;
  storage::Statement put_place, find_place, remove_place;
};
Result<Statements> prepare(storage::Database& db);

// The same image put twice is one row (the hash names the bytes).
Result<void> put(Statements& st, const Digest& hash, std::span<const std::uint8_t> pixels);
// The stored bytes as they are: the caller checks them against the hash.
Result<std::optional<std::vector<std::uint8_t>>> find(Statements& st, const Digest& hash);
Result<bool> exists(Statements& st, const Digest& hash);
Result<void> remove(Statements& st, const Digest& hash);
// Every stored image's hash, in hash order.
Result<std::vector<Digest>> hashes(storage::Database& db);

// Ignored when the hash has a place already; `after` is told the rows written (1 or 0).
Result<void> put_place(Statements& st, const Digest& hash, const ImagePlace& place,
                       storage::AfterRun after = {});
Result<std::optional<ImagePlace>> find_place(Statements& st, const Digest& hash);
// The place the hash had, if any: deleted and returned by one statement.
Result<std::optional<ImagePlace>> remove_place(Statements& st, const Digest& hash);

// How many images the journal names in each segment of the log, as committed: counted by the
// commits alone, one after another (on the journal writer's thread).
struct LogUse {
  std::map<std::uint64_t, std::uint64_t> named;
};
// What the open transaction does to the log, handed whole to its commit.
struct LogChanges {
  // +1: a place written, counted if its statement named the image (set where it ran: a hash that
  // had a place already is not named again); -1: a place let go. Counted in this order.
  struct Name {
    std::uint64_t segment = 0;
    int change = 0;
    std::shared_ptr<const bool> named;  // for +1
  };
  // A record a result checker wrote for a result being applied (Journal::offer_result_image):
  // named by a put of its hash, or overwritten at the commit.
  struct Offered {
    Digest hash{};
    ImagePlace place;
    std::shared_ptr<bool> named = std::make_shared<bool>(false);
  };
  std::vector<Name> names;
  std::vector<Offered> offered;
  std::vector<ImagePlace> held;      // the journal's own appends, held until their commit counts
  std::vector<ImagePlace> to_erase;  // private images', once their delete commits

  bool empty() const {
    return names.empty() && offered.empty() && held.empty() && to_erase.empty();
  }
};
// At open: overwrites every record no place names (a crash between a commit and its erasures, or
// appends whose commit never happened), removes the segments that name none, syncs the log.
Result<LogUse> sweep(ImageLog& log, storage::Database& db);
// Before the journal's commit, once its statements ran: overwrites the offered records nothing
// named, lets every held record go (what is named is held by its name from here), and syncs the
// log when the commit names an image in it.
Result<void> before_commit(ImageLog& log, const LogChanges& changes);
// After the journal's commit: applies the transaction's counts, erases and syncs its private
// images' records, and removes every segment other than the one being written that no image is
// named in any more.
Result<void> after_commit(ImageLog& log, LogUse& use, const LogChanges& changes);

}  // namespace seedgrid::coordinator::journal_results
