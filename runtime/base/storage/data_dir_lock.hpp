#pragma once
// One node per data directory. Two coordinators on one data_dir would append to one journal and
// spend from one ledger, each believing it alone does: the first to start holds DATA_DIR/LOCK
// (process_lock.hpp) for as long as it runs, and a second is refused with the holder's pid.
#include <string>

#include "models/result.hpp"
#include "runtime/base/storage/process_lock.hpp"

namespace seedgrid::storage {

// Creates the directory if needed.
Result<ProcessLock> lock_data_dir(const std::string& data_dir);

}  // namespace seedgrid::storage
