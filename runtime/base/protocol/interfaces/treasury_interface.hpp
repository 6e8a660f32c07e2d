#pragma once
// What a treasury accepts: a passive ledger, asked by the coordinator (orders, stakes) and by the
// coordinator's checkpoint witness (its signed head); it never sends first. Include only from
// CAF .cpp files.
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <string>
#include <vector>

#include "runtime/base/protocol/atoms.hpp"
#include "runtime/base/protocol/ledger_checkpoint.hpp"
#include "runtime/base/protocol/treasury_messages.hpp"

namespace seedgrid::protocol {

using treasury_actor = caf::typed_actor<
    caf::replies_to<quote_atom, PriceInputs>::with<QuoteReply>,
    // Idempotent orders (hold, settle, refund, slash, ...), each applied once per key, in one
    // group commit; receipt i answers order i. The coordinator sends what one of its own commits
    // produced as one message: a message per order cost more than the order.
    caf::replies_to<ledger_atom, std::vector<LedgerOrder>>::with<std::vector<LedgerReceipt>>,
    // A worker's (or validator's) account id: its bonded stake and whether it serves the fast tier.
    caf::replies_to<stake_atom, std::string>::with<StakeReply>,
    // A coordinator's key (hex): the holds it ordered that are still open (OpenHoldsReply).
    caf::replies_to<open_holds_atom, std::string>::with<OpenHoldsReply>,
    // The ledger's head now, signed.
    caf::replies_to<checkpoint_atom>::with<LedgerCheckpoint>>;

}  // namespace seedgrid::protocol
