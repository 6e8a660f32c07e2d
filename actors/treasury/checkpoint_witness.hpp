#pragma once
// A witness of the treasury's ledger: a small actor, run by the coordinator and by each validator,
// that keeps the newest head checkpoint the treasury signed (runtime/base/storage/
// ledger_checkpoint_keeper.hpp, one file that survives restarts) and logs loudly when the treasury
// goes back on one (an older head, or another hash for a kept entry). The coordinator's witness
// subscribes to the treasury and passes each new checkpoint on to the registered validators; a
// validator's witness gets them from its validator actor, which forwards (checkpoint,
// LedgerCheckpoint) messages to it unchanged. Checkpoints carry the treasury's
// signature, so whoever relays them cannot forge one, only withhold it.
//
//   treasury --(checkpoint, LedgerCheckpoint)--> coordinator's witness --> validator actor
//                                                                     --> validator's witness
#include <caf/fwd.hpp>

#include <string>

namespace seedgrid::treasury {

// `file` empty: kept in memory only (said once in the log). `who` names the node in the log.
caf::actor spawn_checkpoint_witness(caf::actor_system& system, std::string file, std::string who);

// Subscribes the witness to a treasury (again after each reconnection): the treasury answers with
// its head now and sends every newer one.
void watch_treasury(const caf::actor& witness, const caf::actor& treasury);
// Sends `follower` (a validator actor) the kept checkpoint now and every newer one.
void add_follower(const caf::actor& witness, const caf::actor& follower);

}  // namespace seedgrid::treasury
