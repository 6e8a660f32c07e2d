#pragma once
// A file that one process at a time may own: an exclusive flock on PATH (with the holder's pid
// written in it) held for as long as the lock lives. A second owner is refused at once, naming the
// holder's pid. The kernel drops the lock when the holder exits, however it exits, so a crash never
// leaves a stale lock behind. A data_dir (data_dir_lock.hpp) and a journal file (sole_owner.hpp)
// are kept to one node this way.
#include <string>
#include <string_view>

#include "models/result.hpp"

namespace seedgrid::storage {

class ProcessLock {
 public:
  // Creates PATH if needed (not its folder). Refused while another process, or another
  // ProcessLock of this one, holds it: "WHAT is in use by another running process (pid N):
  // REMEDY".
  static Result<ProcessLock> acquire(const std::string& path, std::string_view what,
                                     std::string_view remedy);

  ProcessLock(ProcessLock&& other) noexcept;
  ProcessLock& operator=(ProcessLock&& other) noexcept;
  ProcessLock(const ProcessLock&) = delete;
  ProcessLock& operator=(const ProcessLock&) = delete;
  ~ProcessLock();

 private:
  explicit ProcessLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace seedgrid::storage
