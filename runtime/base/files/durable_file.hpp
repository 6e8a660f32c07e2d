#pragma once
// Small files a node must not lose or find half-written after a crash (a node's secret key, the
// ledger checkpoint it last saw): written beside their path, synced, put in place in one step, and
// their folder synced, so that after a crash the path holds the old content or the new, whole.
// Also the two POSIX steps the append-only logs share: a write that resumes when cut short, and
// the sync that makes a file's name durable.
#include <sys/types.h>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "models/result.hpp"

namespace seedgrid::files {

enum class Existing {
  replace,  // the new content takes the path's place
  refuse,   // a file already at the path is an error and stays as it was (a secret key)
};

// Writes `PATH.tmp.PID`, syncs it, renames it over the path (when `refuse`, with a rename that
// never replaces a file, or a hard link where the file system lacks that), and syncs the folder. Creates the folders on the way with `folder_mode` when they do not exist
// (an existing folder keeps its mode). `file_mode` holds from the first byte written.
Result<void> write_durably(const std::string& path, std::string_view bytes, Existing existing,
                           mode_t file_mode = 0644, mode_t folder_mode = 0755);

// A new, renamed or removed file's name is durable once its folder is synced.
Result<void> sync_folder(const std::string& folder);

// All of `size` bytes to `fd` (at its offset), resuming a short write and one an interrupt cut;
// false at an error, with errno saying which.
bool write_all(int fd, const void* bytes, std::size_t size);
// The same at `offset` (pwrite), and reading (pread): false at an error or the end of the file.
bool write_all_at(int fd, const void* bytes, std::size_t size, std::uint64_t offset);
bool read_all_at(int fd, void* bytes, std::size_t size, std::uint64_t offset);

// strerror(errno), for messages.
std::string os_error();

}  // namespace seedgrid::files
