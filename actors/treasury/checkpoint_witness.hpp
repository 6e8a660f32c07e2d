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
#include <caf/fwd.hpp>

#include <string>

namespace seedgrid::treasury {

// `file` empty: kept in memory only (said once in the log). `who` names the node in the log.
caf::actor spawn_checkpoint_witness(caf::actor_system& system, std::string file, std::string who);

// The treasury to ask (again after each reconnection).
void watch_treasury(const caf::actor& witness, const caf::actor& treasury);
// Sends `follower` (a validator actor) the kept checkpoint now and every newer one.
void add_follower(const caf::actor& witness, const caf::actor& follower);

}  // namespace seedgrid::treasury
