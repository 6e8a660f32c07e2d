#pragma once
// A store that only one process may own while it runs: a coordinator's journal. On a file, the
// node's DataDirLock keeps a second node off it. On PostgreSQL the journal lives beside others in
// a shared server, so its connection holds a session advisory lock on its schema (class 2 of
// seedgrid's two-key advisory locks; a writer's transaction lock is class 1) for as long as it is
// open, and a second owner is refused (after 3 s, the time an owner that just ended takes to let
// go) instead of taking turns with the first on every write. The server drops the lock with the
// connection, however the owner ends, so a crash never leaves it behind.
#include <string_view>

#include "models/result.hpp"
#include "runtime/base/storage/database.hpp"

namespace seedgrid::storage {

// `what` names the store in the refusal ("the coordinator journal"). Nothing to do on SQLite.
Result<void> claim_sole_owner(Database& db, std::string_view what);

}  // namespace seedgrid::storage
