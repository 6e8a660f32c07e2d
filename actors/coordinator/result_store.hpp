#pragma once
// Delivered images, content-addressed: the RGB8 pixels whose BLAKE2b names them, kept by the
// coordinator's journal (journal_results.hpp: in its image log beside a SQLite journal, as rows on
// PostgreSQL) with the transaction of the result that names them, so one commit makes a batch of
// results and their images durable together. Reads re-check the hash.
// A file per image cost the coordinator an inode created and deleted per job (a third of the
// dispatch bench's CPU went to ext4 looking for a free inode) and a filesystem sync per batch.
//
// The newest images also stay in memory (up to `recent_bytes`): a result is delivered as it is
// stored (or once its audit passed), and the delivery takes the bytes from memory, reading nothing
// back and hashing nothing (take). Those bytes are the ones put() checked against their name; a
// later read (an attach, an appeal's audit, a restart) comes from the journal, checked again.
//
// An image is kept while a request the coordinator holds in memory, or a pending penalty, names it
// (CoreState::release_images, and a sweep at every start: keep_only).
//
// With Durability::none (the simulator's throw-away store only) the images are held in memory
// alone: the simulator opens one coordinator for the run and nothing outside its process reads the
// store. Each image is removed once delivered, so memory follows the results in flight.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "actors/coordinator/journal.hpp"
#include "models/result.hpp"
#include "runtime/base/crypto/hash.hpp"
#include "runtime/base/storage/database.hpp"

namespace seedgrid::coordinator {

class ResultStore {
 public:
  explicit ResultStore(Journal& journal, storage::Durability durability = storage::Durability::full,
                       std::size_t recent_bytes = std::size_t{64} << 20)
      : journal_(journal), durability_(durability), recent_limit_(recent_bytes) {}

  // Refuses pixels that do not hash to `hash`, unless the caller says it checked that already
  // (`hash_checked`: the coordinator's result check did, off its thread; a 512x512 image is
  // 768 KiB to hash). Durable with the journal's next commit.
  Result<void> put(const Digest& hash, std::vector<std::uint8_t> pixels, bool hash_checked = false);
  Result<std::vector<std::uint8_t>> get(const Digest& hash) const;
  // As get(), but an image held in memory is moved out rather than copied (a delivery: it is
  // rarely read again, and then from the journal). It stays stored.
  Result<std::vector<std::uint8_t>> take(const Digest& hash);
  Result<bool> contains(const Digest& hash) const;
  // `zero_pages`: Journal::delete_result_image's (a private image's bytes are overwritten).
  Result<void> remove(const Digest& hash, bool zero_pages = true);
  // Deletes every stored image not in `wanted`; returns how many went.
  Result<std::size_t> keep_only(const std::set<Digest>& wanted);

  // Coordinators before the journal kept images as files, results/<2 hex>/<hash hex>.rgb under
  // the data directory: moves those into the journal (committed), then deletes them and the
  // temporary files a crash left. A file whose bytes do not hash to its name stays where it is,
  // counted, for its operator to look at. Nothing to do when `root` does not exist.
  struct FilesMoved {
    std::size_t moved = 0;
    std::size_t left = 0;
  };
  Result<FilesMoved> move_files_into_journal(const std::string& root);

 private:
  Journal& journal_;
  storage::Durability durability_;
  std::map<Digest, std::vector<std::uint8_t>> held_;  // Durability::none only
  // Durability::full: the newest images, oldest first in recent_order_.
  std::size_t recent_limit_;
  std::size_t recent_bytes_ = 0;
  std::map<Digest, std::vector<std::uint8_t>> recent_;
  std::deque<Digest> recent_order_;

  void keep_recent(const Digest& hash, std::vector<std::uint8_t>&& pixels);
  void forget_recent(const Digest& hash);
};

}  // namespace seedgrid::coordinator
