#pragma once
// Keeps the newest ledger checkpoint a node received from the treasury (coordinator, validators),
// in a file that survives restarts, so an operator can later prove the treasury's ledger was cut
// short or rolled back: `seedgrid ledger verify LEDGER --pubkey KEY --checkpoint FILE`.
//
// The first checkpoint pins the treasury key (it is written in the file); a checkpoint of another
// key, or with a bad signature, is refused. A checkpoint older than the kept one, or one for the
// same entry with another hash, is evidence against the treasury: the kept file is not replaced,
// and a conflicting pair is saved beside it (FILE.conflict-SEQ) for the operator.
// Writes are atomic (temporary file, fsync, rename): a crash leaves the old or the new checkpoint.
#include <optional>
#include <string>

#include "models/result.hpp"
#include "runtime/base/protocol/ledger_checkpoint.hpp"

namespace seedgrid::verify {

class LedgerCheckpointKeeper {
 public:
  // `path` empty: kept in memory only. An existing file is read back; an unreadable or tampered
  // one is an error naming it.
  static Result<LedgerCheckpointKeeper> open(std::string path);

  enum class Outcome {
    advanced,  // newer than the kept one (or the first): now kept
    same,      // the kept one again
    older,     // an entry before the kept one: the treasury's head went back
    conflict,  // the kept entry with another hash: two histories signed by one treasury
    refused,   // bad signature, another treasury's key, or the file could not be written
  };
  struct Offer {
    Outcome outcome = Outcome::refused;
    std::string message;  // what happened, for the log (empty for `same`)
  };
  Offer offer(const protocol::LedgerCheckpoint& checkpoint);

  const std::optional<protocol::LedgerCheckpoint>& latest() const { return latest_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::optional<protocol::LedgerCheckpoint> latest_;
};

}  // namespace seedgrid::verify
