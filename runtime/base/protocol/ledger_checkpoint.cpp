#include "runtime/base/protocol/ledger_checkpoint.hpp"

#include <vector>

namespace seedgrid::protocol {

namespace {

void put_u64(std::vector<std::uint8_t>& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

std::vector<std::uint8_t> signed_bytes(std::uint64_t seq, const Digest& head, std::int64_t at) {
  std::vector<std::uint8_t> out(kCheckpointFormat.begin(), kCheckpointFormat.end());
  put_u64(out, seq);
  out.insert(out.end(), head.begin(), head.end());
  put_u64(out, static_cast<std::uint64_t>(at));
  return out;
}

}  // namespace

LedgerCheckpoint sign_checkpoint(const Identity& treasury, std::uint64_t seq, const Digest& head,
                                 std::int64_t at) {
  LedgerCheckpoint c;
  c.treasury = treasury.public_key();
  c.seq = seq;
  c.head = head;
  c.at = at;
  c.signature = treasury.sign(std::span<const std::uint8_t>(signed_bytes(seq, head, at)));
  return c;
}

bool checkpoint_signed(const LedgerCheckpoint& c) {
  return verify_signature(
      c.treasury, std::span<const std::uint8_t>(signed_bytes(c.seq, c.head, c.at)), c.signature);
}

}  // namespace seedgrid::protocol
