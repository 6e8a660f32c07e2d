#pragma once
// Delivered images, content-addressed: results/<first 2 hex>/<output hash hex>.rgb holds the raw
// RGB8 pixels whose BLAKE2b is the file name. put() writes a temporary file; sync() makes every
// one written since the last sync durable (syncfs) and only then renames them (and syncs again), so
// a crash never leaves a partial image under a valid name; reads re-check the hash. The coordinator
// syncs once per journal commit, before it (CoordinatorCore::commit): the journal never names an
// image that is not durable, and a batch of results costs two syncs instead of two fsyncs per image
// on the coordinator's thread. With
// Durability::none (the simulator's throw-away store only) the images are held in memory: the
// simulator opens one coordinator for the run and nothing outside its process reads the store, and
// a file per result (stat, open, write, read, unlink: a dozen system calls) was a third of a
// simulated run's system time. Each image is removed once delivered, so memory follows the
// results in flight, not the run's length.
//
// With full durability the newest images also stay in memory (up to `recent_bytes`): a result is
// delivered milliseconds after it is stored, once its settlement is confirmed, and reading the
// file back and hashing it again was 3 % of the dispatch bench's CPU. Those bytes are the ones
// put() checked against their name; only the file is read (and re-checked) after a restart.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "models/result.hpp"
#include "runtime/base/crypto/hash.hpp"
#include "runtime/base/storage/database.hpp"

namespace seedgrid::coordinator {

class ResultStore {
 public:
  explicit ResultStore(std::string root, storage::Durability durability = storage::Durability::full,
                       std::size_t recent_bytes = std::size_t{64} << 20)
      : root_(std::move(root)), durability_(durability), recent_limit_(recent_bytes) {}

  // Refuses pixels that do not hash to `hash`, unless the caller says it checked that already
  // (`hash_checked`: the coordinator's result check did, off its thread; a 512x512 image is
  // 768 KiB to hash).
  Result<void> put(const Digest& hash, const std::vector<std::uint8_t>& pixels,
                   bool hash_checked = false);
  // Makes every image put since the last sync durable under its name.
  Result<void> sync();
  // Deletes the temporary files an earlier run left unsynced (it crashed before its commit); how
  // many. Called when the coordinator opens, before anything is put.
  Result<std::size_t> remove_unsynced_leftovers();
  Result<std::vector<std::uint8_t>> get(const Digest& hash) const;
  bool contains(const Digest& hash) const;
  Result<void> remove(const Digest& hash);
  std::string path_of(const Digest& hash) const;

 private:
  std::string root_;
  storage::Durability durability_;
  std::map<Digest, std::vector<std::uint8_t>> held_;  // Durability::none only
  std::set<Digest> unsynced_;                         // put, still under <name>.tmp until sync()
  // Durability::full: the newest images, oldest first in recent_order_.
  std::size_t recent_limit_;
  std::size_t recent_bytes_ = 0;
  std::map<Digest, std::vector<std::uint8_t>> recent_;
  std::deque<Digest> recent_order_;

  void keep_recent(const Digest& hash, const std::vector<std::uint8_t>& pixels);
  void forget_recent(const Digest& hash);
};

}  // namespace seedgrid::coordinator
