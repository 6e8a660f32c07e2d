#pragma once
// What a treasury accepts: a passive ledger, asked by the coordinator (orders, stakes) and by the
// coordinator's checkpoint witness (its signed head); it never sends first. Include only from
// CAF .cpp files.
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <string>

#include "runtime/base/protocol/atoms.hpp"
#include "runtime/base/protocol/ledger_checkpoint.hpp"
#include "runtime/base/protocol/treasury_messages.hpp"

namespace seedgrid::protocol {

using treasury_actor = caf::typed_actor<
    caf::replies_to<quote_atom, PriceInputs>::with<QuoteReply>,
    // An idempotent order (hold, settle, refund, slash, ...): applied once per key.
    caf::replies_to<ledger_atom, LedgerOrder>::with<LedgerReceipt>,
    // A worker's (or validator's) account id: its bonded stake and whether it serves the fast tier.
    caf::replies_to<stake_atom, std::string>::with<StakeReply>,
    // The ledger's head now, signed.
    caf::replies_to<checkpoint_atom>::with<LedgerCheckpoint>>;

}  // namespace seedgrid::protocol
