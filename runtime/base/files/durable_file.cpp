#include "runtime/base/files/durable_file.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>

namespace seedgrid::files {

namespace fs = std::filesystem;

std::string os_error() { return std::strerror(errno); }

namespace {

// Moves all of `size` bytes through `io(at, size, done)`, resuming a short transfer and one an
// interrupt cut; false at an error or when `io` moves nothing (the end of a file being read).
template <class Byte, class Io>
bool transfer_all(Io io, Byte* at, std::size_t size) {
  std::uint64_t done = 0;
  while (size > 0) {
    const ssize_t n = io(at, size, done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    at += n;
    size -= static_cast<std::size_t>(n);
    done += static_cast<std::uint64_t>(n);
  }
  return true;
}

}  // namespace

bool write_all(int fd, const void* bytes, std::size_t size) {
  return transfer_all(
      [fd](const std::uint8_t* at, std::size_t n, std::uint64_t) { return ::write(fd, at, n); },
      static_cast<const std::uint8_t*>(bytes), size);
}

bool write_all_at(int fd, const void* bytes, std::size_t size, std::uint64_t offset) {
  return transfer_all(
      [fd, offset](const std::uint8_t* at, std::size_t n, std::uint64_t done) {
        return ::pwrite(fd, at, n, static_cast<off_t>(offset + done));
      },
      static_cast<const std::uint8_t*>(bytes), size);
}

bool read_all_at(int fd, void* bytes, std::size_t size, std::uint64_t offset) {
  return transfer_all(
      [fd, offset](std::uint8_t* at, std::size_t n, std::uint64_t done) {
        return ::pread(fd, at, n, static_cast<off_t>(offset + done));
      },
      static_cast<std::uint8_t*>(bytes), size);
}

Result<void> sync_folder(const std::string& folder) {
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return fail("cannot open folder ", folder, " to sync it: ", os_error());
  const bool ok = ::fsync(fd) == 0;
  const std::string why = ok ? "" : os_error();
  ::close(fd);
  if (!ok) return fail("cannot sync folder ", folder, ": ", why);
  return {};
}

namespace {

// Each folder on the way that does not exist is made with `mode` (not the umask's).
Result<void> make_folders(const fs::path& folder, mode_t mode) {
  std::error_code ec;
  if (folder.empty() || fs::exists(folder, ec)) return {};
  if (auto up = make_folders(folder.parent_path(), mode); !up) return up;
  if (::mkdir(folder.c_str(), mode) != 0 && errno != EEXIST)
    return fail("cannot create folder ", folder.string(), ": ", os_error());
  if (::chmod(folder.c_str(), mode) != 0)
    return fail("cannot set the mode of folder ", folder.string(), ": ", os_error());
  return {};
}

// Puts the whole file at `path` without ever replacing what is there: a rename that refuses an
// existing target, or, where the file system does not take that flag (some FUSE mounts), a hard
// link. Either alone fails somewhere a node's key may live: vfat has no hard links.
Result<void> put_new(const std::string& tmp, const std::string& path) {
  if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE) == 0) return {};
  int err = errno;
  if (err == EINVAL || err == ENOSYS || err == ENOTSUP) {
    if (::link(tmp.c_str(), path.c_str()) == 0) {
      ::unlink(tmp.c_str());
      return {};
    }
    err = errno;
  }
  if (err == EEXIST) return fail(path, " exists already; it is never overwritten");
  return fail("cannot create ", path, ": ", std::strerror(err));
}

}  // namespace

Result<void> write_durably(const std::string& path, std::string_view bytes, Existing existing,
                           mode_t file_mode, mode_t folder_mode) {
  const fs::path target(path);
  const fs::path folder = target.has_parent_path() ? target.parent_path() : fs::path(".");
  if (auto made = make_folders(folder, folder_mode); !made) return made;
  // This process's own temporary: two processes creating one key each write their own, and the
  // second to put it in place is refused. One a crash left under this pid is overwritten; O_EXCL
  // so that the mode is ours from the first byte.
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  if (::unlink(tmp.c_str()) != 0 && errno != ENOENT)
    return fail("cannot remove the stale ", tmp, ": ", os_error());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, file_mode);
  if (fd < 0) return fail("cannot create ", tmp, ": ", os_error());
  const bool written = write_all(fd, bytes.data(), bytes.size()) && ::fsync(fd) == 0;
  const std::string why = written ? "" : os_error();
  ::close(fd);
  if (!written) {
    ::unlink(tmp.c_str());
    return fail("cannot write ", tmp, ": ", why);
  }
  if (existing == Existing::replace) {
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
      const std::string err = os_error();
      ::unlink(tmp.c_str());
      return fail("cannot rename ", tmp, " to ", path, ": ", err);
    }
  } else if (auto placed = put_new(tmp, path); !placed) {
    ::unlink(tmp.c_str());
    return placed;
  }
  return sync_folder(folder.string());
}

}  // namespace seedgrid::files
