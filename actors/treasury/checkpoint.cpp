// Head checkpoints: the treasury's signed word for how far its ledger goes, kept by others so a
// truncated or rolled-back ledger can be shown to be one
// (runtime/base/protocol/ledger_checkpoint.hpp).
#include "actors/treasury/ledger.hpp"
#include "actors/treasury/ledger_state.hpp"

namespace seedgrid::treasury {

Result<protocol::LedgerCheckpoint> Ledger::checkpoint(std::int64_t at) {
  LedgerState& s = *state_;
  if (!s.identity)
    return fail("ledger ", s.db.path(), " is open read-only: it cannot sign a checkpoint");
  if (auto r = s.reload_head(); !r) {
    s.storage_failed = false;  // a read outside any batch taints none
    return context(r.error(), "reading the head of ", s.db.path());
  }
  return protocol::sign_checkpoint(*s.identity, s.head_seq, s.head_hash, at);
}

}  // namespace seedgrid::treasury
