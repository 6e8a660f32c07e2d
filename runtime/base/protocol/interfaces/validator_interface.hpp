#pragma once
// What a validator accepts: audits from the coordinator it registered with, and the treasury's
// signed ledger heads from the coordinator's checkpoint witness
// (actors/treasury/checkpoint_witness.hpp). Include only from CAF .cpp files.
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "runtime/base/protocol/atoms.hpp"
#include "runtime/base/protocol/audit.hpp"
#include "runtime/base/protocol/ledger_checkpoint.hpp"

namespace seedgrid::protocol {

using validator_actor = caf::typed_actor<
    caf::reacts_to<audit_atom, AuditTask>,
    // Sent whenever the ledger's head moved; accepted from the coordinator's node only.
    caf::reacts_to<checkpoint_atom, LedgerCheckpoint>>;

}  // namespace seedgrid::protocol
