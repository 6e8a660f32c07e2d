#pragma once
// One node per data directory. Two coordinators on one data_dir would append to one journal and
// spend from one ledger, each believing it alone does: the first to start holds an exclusive
// flock on DATA_DIR/LOCK (with its pid written in the file) for as long as it runs, and a second
// is refused with that pid. The kernel drops the lock when the holder exits, however it exits, so
// a crash never leaves a stale lock behind.
#include <string>

#include "models/result.hpp"

namespace seedgrid::storage {

class DataDirLock {
 public:
  // Creates the directory if needed. Refused, naming the holder's pid, while another process
  // (or another DataDirLock of this one) holds it.
  static Result<DataDirLock> acquire(const std::string& data_dir);

  DataDirLock(DataDirLock&& other) noexcept;
  DataDirLock& operator=(DataDirLock&& other) noexcept;
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;
  ~DataDirLock();

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace seedgrid::storage
