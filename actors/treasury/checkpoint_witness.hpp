#pragma once
// A witness of the treasury's ledger: a small actor, run by the coordinator and by each validator,
// that keeps the newest head checkpoint the treasury signed (runtime/base/storage/
// ledger_checkpoint_keeper.hpp, one file that survives restarts) and logs loudly when the treasury
// goes back on one (an older head, or another hash for a kept entry). The coordinator's witness
// asks the treasury for its signed head once a second (so entries the CLI appends count too) and
// passes each new one on to the registered validators; a validator's witness gets them from its
// validator actor, which forwards (checkpoint, LedgerCheckpoint) messages from its coordinator's
// node unchanged. Checkpoints carry the treasury's
// signature, so whoever relays them cannot forge one, only withhold it.
//
//   coordinator's witness --(checkpoint)--> treasury: LedgerCheckpoint
//   coordinator's witness --(checkpoint, LedgerCheckpoint)--> validator actor --> its witness
#include <caf/atom.hpp>
#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <string>

#include "runtime/base/protocol/interfaces/treasury_interface.hpp"
#include "runtime/base/protocol/interfaces/validator_interface.hpp"

namespace seedgrid::treasury {

using watch_atom = caf::atom_constant<caf::atom("watch")>;
using follow_atom = caf::atom_constant<caf::atom("follow")>;

using checkpoint_witness_actor = caf::typed_actor<
    // The treasury to ask (again after each reconnection); from the coordinator.
    caf::reacts_to<watch_atom, protocol::treasury_actor>,
    // A validator to pass every newer checkpoint to; from the coordinator, at its registration.
    caf::reacts_to<follow_atom, protocol::validator_actor>,
    // A checkpoint the validator actor of this node passes on (from its coordinator's node).
    caf::reacts_to<protocol::checkpoint_atom, protocol::LedgerCheckpoint>>;

// `file` empty: kept in memory only (said once in the log). `who` names the node in the log.
checkpoint_witness_actor spawn_checkpoint_witness(caf::actor_system& system, std::string file,
                                                  std::string who);

// The treasury to ask (again after each reconnection).
void watch_treasury(const checkpoint_witness_actor& witness,
                    const protocol::treasury_actor& treasury);
// Sends `follower` the kept checkpoint now and every newer one.
void add_follower(const checkpoint_witness_actor& witness,
                  const protocol::validator_actor& follower);

}  // namespace seedgrid::treasury
