#pragma once
// The file form of a ledger checkpoint (runtime/base/protocol/ledger_checkpoint.hpp), as the
// coordinator and validators keep it and `seedgrid ledger verify --checkpoint FILE` reads it, and
// the `--expect-head SEQ:HASH` form of a head without a signature.
#include <cstdint>
#include <string>
#include <string_view>

#include "models/result.hpp"
#include "runtime/base/protocol/ledger_checkpoint.hpp"

namespace seedgrid::verify {

std::string checkpoint_json(const protocol::LedgerCheckpoint& checkpoint);
// `source` names the text in errors (a file path). Checks the form, not the signature.
Result<protocol::LedgerCheckpoint> parse_checkpoint_json(std::string_view text, std::string_view source);

// "SEQ:HEX" as `--expect-head` takes it: the entry and its hash (no signature).
struct ExpectedHead {
  std::uint64_t seq = 0;
  Digest head{};
};
Result<ExpectedHead> parse_expected_head(std::string_view text);


}  // namespace seedgrid::verify
