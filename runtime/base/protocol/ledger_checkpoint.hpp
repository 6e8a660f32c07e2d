#pragma once
// A ledger checkpoint: the treasury's signed statement "my ledger's entry SEQ has hash HEAD". The
// treasury signs its head on request (actors/treasury/checkpoint_witness.hpp asks once a second);
// the coordinator and the validators keep the newest
// (runtime/base/verify/ledger_checkpoint_keeper.hpp). A ledger that later lacks entry SEQ, or
// holds another entry there, was truncated or rolled back: `seedgrid ledger verify --checkpoint
// FILE` says which. Verification of the rest of the ledger (hashes, chain, balances) is
// actors/treasury/verify.hpp.
//
// The treasury signs, with its Ed25519 ledger key, the bytes
//   "seedgrid/ledger/checkpoint/v1", seq (8 bytes little-endian), head (32 bytes),
//   at (unix seconds, 8 bytes little-endian, two's complement)
// and the file form (runtime/base/verify/ledger_checkpoint_file.hpp) is one JSON object:
//   {"checkpoint": "seedgrid/ledger/checkpoint/v1", "treasury": HEX, "seq": N, "head": HEX,
//    "at": UNIX_SECONDS, "signature": HEX}
#include <cstdint>
#include <string>
#include <string_view>

#include "models/result.hpp"
#include "runtime/base/crypto/hash.hpp"
#include "runtime/base/crypto/identity.hpp"

namespace seedgrid::protocol {

// Names the signed bytes and the file form.
inline constexpr std::string_view kCheckpointFormat = "seedgrid/ledger/checkpoint/v1";

struct LedgerCheckpoint {
  PublicKey treasury;
  std::uint64_t seq = 0;  // the ledger's entry (1 is genesis)
  Digest head{};          // that entry's hash
  std::int64_t at = 0;    // when the treasury signed it (unix seconds; informative)
  Signature signature{};
  bool operator==(const LedgerCheckpoint&) const = default;
};

LedgerCheckpoint sign_checkpoint(const Identity& treasury, std::uint64_t seq, const Digest& head,
                                 std::int64_t at);
// True when the signature is that of the checkpoint's own treasury key.
bool checkpoint_signed(const LedgerCheckpoint& checkpoint);

}  // namespace seedgrid::protocol
