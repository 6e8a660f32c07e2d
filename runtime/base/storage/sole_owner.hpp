#pragma once
// A store that only one process may own while it runs: a coordinator's journal. Two coordinators
// on one journal would each replay and extend it as if alone. On a file, the owner holds
// PATH.owner (process_lock.hpp), so a second is refused at once even where each node has its own
// data_dir. On PostgreSQL the journal lives beside others in a shared server, so its connection
// holds a session advisory lock on its schema (class 2 of seedgrid's two-key advisory locks; a
// writer's transaction lock is class 1) for as long as it is open, and a second owner is refused
// (after 3 s, the time an owner that just ended takes to let go) instead of taking turns with the
// first on every write. Either lock goes with its owner, however it ends, so a crash never leaves
// one behind.
#include <optional>
#include <string_view>

#include "models/result.hpp"
#include "runtime/base/storage/database.hpp"
#include "runtime/base/storage/process_lock.hpp"

namespace seedgrid::storage {

// Held for as long as the owner keeps `db` open: the file's lock on SQLite; nothing on PostgreSQL,
// where the connection holds it.
struct SoleOwnership {
  std::optional<ProcessLock> file_lock;
};

// `what` names the store in the refusal ("the coordinator journal").
Result<SoleOwnership> claim_sole_owner(Database& db, std::string_view what);

}  // namespace seedgrid::storage
