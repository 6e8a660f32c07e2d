#pragma once
// Delivered images, content-addressed: results/<first 2 hex>/<output hash hex>.rgb holds the raw
// RGB8 pixels whose BLAKE2b is the file name. Written to a temporary file, fsynced and renamed, so
// a crash never leaves a partial image under a valid name; reads re-check the hash. With
// Durability::none (the simulator's throw-away store only) the image is written straight under its
// name, without fsync or rename: a partial file could only follow a crash, and nothing reads a
// simulated run's store after one (reads still re-check the hash).
#include <cstdint>
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
};

}  // namespace seedgrid::coordinator
