#pragma once
// Independent verification of a ledger database: needs only the file and the treasury's public key.
// It recomputes every entry's hash from its stored fields and postings, checks the chain of
// previous hashes and the contiguity of sequence numbers, checks every Ed25519 signature (an entry
// without one must be followed by a signed entry: journal.hpp), checks
// that each entry's postings balance per asset, re-derives every balance from the postings to
// compare it with the stored balance table, and re-derives the working tables (holds, hold_jobs,
// verdicts, meta: derived_tables.hpp) to compare them row by row. The first problem found is the
// error, naming the entry seq (or the account); disagreeing table rows are all named.
//
// That proves the history is one the treasury signed; it cannot tell a whole ledger from an older
// copy of itself, or from one whose last entries were deleted. Expected entries can: a checkpoint
// the treasury published (runtime/base/protocol/ledger_checkpoint.hpp), kept by the coordinator and
// the validators, or a head an operator noted. The ledger must hold each such entry with that
// hash; it may have grown since.
#include <cstdint>
#include <span>
#include <string>

#include "models/result.hpp"
#include "runtime/base/crypto/hash.hpp"
#include "runtime/base/crypto/identity.hpp"

namespace seedgrid::treasury {

// An entry the ledger must hold. `source` names where it comes from in errors ("checkpoint
// data/ledger-checkpoint.json", "--expect-head").
struct ExpectedEntry {
  std::uint64_t seq = 0;
  Digest hash{};
  std::string source;
};

struct VerifyReport {
  std::uint64_t entries = 0;
  Digest head{};
  std::uint64_t accounts = 0;
};

Result<VerifyReport> verify_ledger(const std::string& path, const PublicKey& treasury,
                                   std::span<const ExpectedEntry> expected = {});

}  // namespace seedgrid::treasury
