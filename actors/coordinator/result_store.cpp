#include "actors/coordinator/result_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace seedgrid::coordinator {

namespace fs = std::filesystem;

std::string ResultStore::path_of(const Digest& hash) const {
  const std::string hex = to_hex(hash);
  return (fs::path(root_) / hex.substr(0, 2) / (hex + ".rgb")).string();
}

bool ResultStore::contains(const Digest& hash) const {
  if (durability_ == storage::Durability::none) return held_.contains(hash);
  if (unsynced_.contains(hash)) return true;
  std::error_code ec;
  return fs::exists(path_of(hash), ec);
}

namespace {

Result<void> write_file(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return fail("result store: cannot create ", path, ": ", std::strerror(errno));
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n <= 0) {
      const int err = errno;
      ::close(fd);
      return fail("result store: cannot write ", path, ": ", std::strerror(err));
    }
    written += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0)
    return fail("result store: cannot write ", path, ": ", std::strerror(errno));
  return {};
}

// One syncfs(2) makes everything written on the store's filesystem durable, data and names: a
// batch of images costs two of them, where an fsync per file and per directory cost two per image.
Result<void> sync_filesystem(const std::string& root) {
  const int fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return fail("result store: cannot open ", root, ": ", std::strerror(errno));
  const bool synced = ::syncfs(fd) == 0;
  const int err = errno;
  ::close(fd);
  if (!synced) return fail("result store: cannot sync ", root, ": ", std::strerror(err));
  return {};
}

}  // namespace

Result<void> ResultStore::put(const Digest& hash, const std::vector<std::uint8_t>& pixels,
                              bool hash_checked) {
  if (!hash_checked && blake2b(pixels) != hash)
    return fail("result store: pixels do not hash to ", to_hex(hash));
  if (durability_ == storage::Durability::none) {
    held_.try_emplace(hash, pixels);
    return {};
  }
  if (contains(hash)) return {};
  const std::string path = path_of(hash);
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  if (ec)
    return fail("result store: cannot create ", fs::path(path).parent_path().string(), ": ",
                ec.message());
  if (auto w = write_file(path + ".tmp", pixels); !w) return w;
  unsynced_.insert(hash);
  keep_recent(hash, pixels);
  return {};
}

Result<void> ResultStore::sync() {
  if (unsynced_.empty()) return {};
  // Data first, then the names: a file is under its name only once its bytes are durable, so a
  // crash leaves at most a .tmp behind, never a short image under a valid name.
  if (auto r = sync_filesystem(root_); !r) return r;
  for (const Digest& hash : unsynced_) {
    const std::string path = path_of(hash);
    std::error_code ec;
    fs::rename(path + ".tmp", path, ec);
    if (ec) return fail("result store: cannot rename ", path, ".tmp to ", path, ": ", ec.message());
  }
  if (auto r = sync_filesystem(root_); !r) return r;
  unsynced_.clear();
  return {};
}

Result<std::size_t> ResultStore::remove_unsynced_leftovers() {
  std::size_t removed = 0;
  if (durability_ == storage::Durability::none) return removed;
  std::error_code ec;
  if (!fs::is_directory(root_, ec)) return removed;
  // Two levels: results/<first 2 hex>/<hash>.rgb[.tmp].
  for (fs::recursive_directory_iterator it(root_, ec), end; !ec && it != end; it.increment(ec)) {
    if (it.depth() < 1 || !it->is_regular_file(ec) || it->path().extension() != ".tmp") continue;
    if (!fs::remove(it->path(), ec) || ec)
      return fail("result store: cannot remove ", it->path().string(), ": ", ec.message());
    ++removed;
  }
  if (ec) return fail("result store: cannot list ", root_, ": ", ec.message());
  return removed;
}

void ResultStore::keep_recent(const Digest& hash, const std::vector<std::uint8_t>& pixels) {
  if (pixels.size() > recent_limit_ || recent_.contains(hash)) return;
  while (recent_bytes_ + pixels.size() > recent_limit_ && !recent_order_.empty()) {
    forget_recent(recent_order_.front());
  }
  recent_.emplace(hash, pixels);
  recent_order_.push_back(hash);
  recent_bytes_ += pixels.size();
}

void ResultStore::forget_recent(const Digest& hash) {
  auto it = recent_.find(hash);
  if (it == recent_.end()) return;
  recent_bytes_ -= it->second.size();
  recent_.erase(it);
  recent_order_.erase(std::find(recent_order_.begin(), recent_order_.end(), hash));
}

Result<std::vector<std::uint8_t>> ResultStore::get(const Digest& hash) const {
  if (durability_ == storage::Durability::none) {
    auto it = held_.find(hash);
    if (it == held_.end()) return fail("result store: no image ", to_hex(hash));
    return it->second;
  }
  if (auto it = recent_.find(hash); it != recent_.end()) return it->second;
  const std::string path = path_of(hash) + (unsynced_.contains(hash) ? ".tmp" : "");
  // One read of the whole file, checked against its name.
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return fail("result store: no image ", path);
  const std::streamsize size = in.tellg();
  std::vector<std::uint8_t> pixels(size > 0 ? static_cast<std::size_t>(size) : 0);
  in.seekg(0);
  if (size < 0 || !in.read(reinterpret_cast<char*>(pixels.data()), size))
    return fail("result store: cannot read ", path);
  if (blake2b(pixels) != hash)
    return fail("result store: ", path, " does not hash to its name (corrupted)");
  return pixels;
}

Result<void> ResultStore::remove(const Digest& hash) {
  if (durability_ == storage::Durability::none) {
    held_.erase(hash);
    return {};
  }
  forget_recent(hash);
  std::error_code ec;
  if (unsynced_.erase(hash) > 0) {
    fs::remove(path_of(hash) + ".tmp", ec);
    if (ec) return fail("result store: cannot remove ", path_of(hash), ".tmp: ", ec.message());
    return {};
  }
  fs::remove(path_of(hash), ec);
  if (ec) return fail("result store: cannot remove ", path_of(hash), ": ", ec.message());
  return {};
}

}  // namespace seedgrid::coordinator
