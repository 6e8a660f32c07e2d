#pragma once
// A ledger checkpoint: the treasury's signed statement "my ledger's entry SEQ has hash HEAD". The
// treasury signs its head on request (actors/treasury/checkpoint_witness.hpp asks once a second);
// the coordinator and the validators keep the newest
// (runtime/base/storage/ledger_checkpoint_keeper.hpp). A ledger that later lacks entry SEQ, or
// holds another entry there, was truncated or rolled back: `seedgrid ledger verify --checkpoint
// FILE` says which. Verification of the rest of the ledger (hashes, chain, balances) is
// actors/treasury/verify.hpp.
//
// The treasury signs, with its Ed25519 ledger key, the bytes
//   "seedgrid/ledger/checkpoint/v1", seq (8 bytes little-endian), head (32 bytes),
//   at (unix seconds, 8 bytes little-endian, two's complement)
// and the file form is one JSON object:
//   {"checkpoint": "seedgrid/ledger/checkpoint/v1", "treasury": HEX, "seq": N, "head": HEX,
//    "at": UNIX_SECONDS, "signature": HEX}
#include <cstdint>
#include <string>
#include <string_view>

#include "models/result.hpp"
#include "runtime/base/crypto/hash.hpp"
#include "runtime/base/crypto/identity.hpp"

namespace seedgrid::protocol {

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

std::string checkpoint_json(const LedgerCheckpoint& checkpoint);
// `source` names the text in errors (a file path). Checks the form, not the signature.
Result<LedgerCheckpoint> parse_checkpoint_json(std::string_view text, std::string_view source);

// "SEQ:HEX" as `--expect-head` takes it: the entry and its hash (no signature).
struct ExpectedHead {
  std::uint64_t seq = 0;
  Digest head{};
};
Result<ExpectedHead> parse_expected_head(std::string_view text);

}  // namespace seedgrid::protocol
