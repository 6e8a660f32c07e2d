#pragma once
// Independent verification of a ledger database: needs only the file and the treasury's public key.
// It recomputes every entry's hash from its stored fields and postings, checks the chain of
// previous hashes and the contiguity of sequence numbers, checks every Ed25519 signature, checks
// that each entry's postings balance per asset, and re-derives every balance from the postings to
// compare it with the stored balance table. The first problem found is the error, naming the entry
// seq (or the account). It proves the history is the one the treasury signed and the balances
// follow from it; it cannot tell a whole database from an older copy of itself: compare the
// reported head hash with one published by the treasury for that.
#include <cstdint>
#include <string>

#include "models/result.hpp"
#include "runtime/base/crypto/hash.hpp"
#include "runtime/base/crypto/identity.hpp"

namespace seedgrid::treasury {

struct VerifyReport {
  std::uint64_t entries = 0;
  Digest head{};
  std::uint64_t accounts = 0;
};

Result<VerifyReport> verify_ledger(const std::string& path, const PublicKey& treasury);

}  // namespace seedgrid::treasury
