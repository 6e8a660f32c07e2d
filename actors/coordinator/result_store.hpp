#pragma once
// Delivered images, content-addressed: results/<first 2 hex>/<output hash hex>.rgb holds the raw
// RGB8 pixels whose BLAKE2b is the file name. Written to a temporary file, fsynced and renamed, so
// a crash never leaves a partial image under a valid name; reads re-check the hash. With
// Durability::none (the simulator's throw-away store only) the images are held in memory: the
// simulator opens one coordinator for the run and nothing outside its process reads the store, and
// a file per result (stat, open, write, read, unlink: a dozen system calls) was a third of a
// simulated run's system time. Each image is removed once delivered, so memory follows the
// results in flight, not the run's length.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "models/result.hpp"
#include "runtime/base/crypto/hash.hpp"
#include "runtime/base/storage/database.hpp"

namespace seedgrid::coordinator {

class ResultStore {
 public:
  explicit ResultStore(std::string root,
                       storage::Durability durability = storage::Durability::full)
      : root_(std::move(root)), durability_(durability) {}

  Result<void> put(const Digest& hash, const std::vector<std::uint8_t>& pixels);
  Result<std::vector<std::uint8_t>> get(const Digest& hash) const;
  bool contains(const Digest& hash) const;
  Result<void> remove(const Digest& hash);
  std::string path_of(const Digest& hash) const;

 private:
  std::string root_;
  storage::Durability durability_;
  std::map<Digest, std::vector<std::uint8_t>> held_;  // Durability::none only
};

}  // namespace seedgrid::coordinator
