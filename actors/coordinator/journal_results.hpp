#pragma once
// The journal's record of result images (result_images: the RGB8 pixels by their BLAKE2b), written
// in the same transaction as the result that names them. One commit makes a batch of results and
// their images durable together: no file per image, no second sync, and a crash can never leave a
// committed result without its image or a half-written image under a valid hash.
#include <optional>
#include <span>
#include <vector>

#include "models/result.hpp"
#include "runtime/base/crypto/hash.hpp"
#include "runtime/base/storage/database.hpp"
#include "runtime/base/storage/statement.hpp"

namespace seedgrid::coordinator::journal_results {

// CREATE TABLE IF NOT EXISTS statement, run when the journal opens.
extern const std::string_view kSchema;

struct Statements {
  storage::Statement put, find, exists, remove;
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

}  // namespace seedgrid::coordinator::journal_results
