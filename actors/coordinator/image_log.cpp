#include "actors/coordinator/image_log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "runtime/base/files/durable_file.hpp"

namespace seedgrid::coordinator {

namespace fs = std::filesystem;
using files::os_error;
using files::read_all_at;
using files::write_all_at;

namespace {

constexpr std::array<std::uint8_t, 4> kMagic{'S', 'G', 'I', 'M'};
constexpr std::uint32_t kErased = 1;
constexpr std::string_view kSuffix = ".images";
constexpr std::string_view kSparePrefix = "spare.";
constexpr std::size_t kSpares = 2;

using Header = std::array<std::uint8_t, ImageLog::kHeaderBytes>;

void put_u64(std::uint8_t* at, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) at[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
std::uint64_t get_u64(const std::uint8_t* at) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | at[i];
  return v;
}

// magic, flags, segment, size, hash
Header header_of(const Digest& hash, std::uint64_t segment, std::uint64_t size,
                 std::uint32_t flags) {
  Header h{};
  std::copy(kMagic.begin(), kMagic.end(), h.begin());
  for (int i = 0; i < 4; ++i) h[4 + i] = static_cast<std::uint8_t>(flags >> (8 * i));
  put_u64(h.data() + 8, segment);
  put_u64(h.data() + 16, size);
  std::copy(hash.begin(), hash.end(), h.begin() + 24);
  return h;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

ImageLog::ImageLog(std::string dir, std::uint64_t segment_bytes)
    : dir_(std::move(dir)), segment_bytes_(segment_bytes) {}

ImageLog::ImageLog(ImageLog&& o) noexcept
    : mutex_(std::move(o.mutex_)),
      dir_(std::move(o.dir_)),
      segment_bytes_(o.segment_bytes_),
      active_(o.active_),
      active_end_(o.active_end_),
      on_disk_(std::move(o.on_disk_)),
      fds_(std::exchange(o.fds_, {})),
      dirty_(std::move(o.dirty_)),
      spares_(std::move(o.spares_)),
      next_spare_(o.next_spare_),
      held_(std::move(o.held_)) {}

ImageLog& ImageLog::operator=(ImageLog&& o) noexcept {
  if (this == &o) return *this;
  for (const auto& [segment, fd] : fds_) ::close(fd);
  mutex_ = std::move(o.mutex_);
  dir_ = std::move(o.dir_);
  segment_bytes_ = o.segment_bytes_;
  active_ = o.active_;
  active_end_ = o.active_end_;
  on_disk_ = std::move(o.on_disk_);
  fds_ = std::exchange(o.fds_, {});
  dirty_ = std::move(o.dirty_);
  spares_ = std::move(o.spares_);
  next_spare_ = o.next_spare_;
  held_ = std::move(o.held_);
  return *this;
}

ImageLog::~ImageLog() {
  for (const auto& [segment, fd] : fds_) ::close(fd);
}

std::string ImageLog::segment_path(std::uint64_t segment) const {
  char name[32];
  std::snprintf(name, sizeof name, "%08llu", static_cast<unsigned long long>(segment));
  return (fs::path(dir_) / (std::string(name) + std::string(kSuffix))).string();
}

Result<ImageLog> ImageLog::open(const std::string& dir, std::uint64_t segment_bytes) {
  ImageLog log(dir, segment_bytes);
  std::error_code ec;
  if (fs::create_directories(dir, ec)) {
    const fs::path parent = fs::absolute(dir, ec).parent_path();
    if (auto s = files::sync_folder(parent.string()); !s) return context(s.error(), "image log");
  } else if (ec) {
    return fail("image log: cannot create ", dir, ": ", ec.message());
  }
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.starts_with(kSparePrefix)) {
      const std::string digits = name.substr(kSparePrefix.size());
      if (!all_digits(digits)) continue;
      log.spares_.push_back(it->path().string());
      log.next_spare_ = std::max<std::uint64_t>(log.next_spare_, std::stoull(digits) + 1);
      continue;
    }
    if (!name.ends_with(kSuffix)) continue;
    const std::string digits = name.substr(0, name.size() - kSuffix.size());
    if (!all_digits(digits)) continue;
    log.on_disk_.insert(std::stoull(digits));
  }
  if (ec) return fail("image log: cannot list ", dir, ": ", ec.message());
  // Numbers are never used twice: the segment this opening starts is the highest on disk until
  // the next opening's, since a segment goes (below, or as a spare) only once a higher one exists.
  const std::uint64_t next = log.on_disk_.empty() ? 1 : *log.on_disk_.rbegin() + 1;
  if (auto s = log.start_segment(next); !s) return pass_on(s);
  return log;
}

Result<void> ImageLog::start_segment(std::uint64_t segment) {
  const std::string path = segment_path(segment);
  if (!spares_.empty()) {
    if (::rename(spares_.back().c_str(), path.c_str()) != 0)
      return fail("image log: cannot reuse ", spares_.back(), " as ", path, ": ", os_error());
    spares_.pop_back();
  }
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return fail("image log: cannot create ", path, ": ", os_error());
  fds_[segment] = fd;
  on_disk_.insert(segment);
  active_ = segment;
  active_end_ = 0;
  if (auto s = files::sync_folder(dir_); !s) return context(s.error(), "image log");
  return {};
}

Result<int> ImageLog::locked_fd(std::uint64_t segment) const {
  std::lock_guard lock(*mutex_);
  return fd_of(segment);
}

Result<int> ImageLog::fd_of(std::uint64_t segment) const {
  if (auto it = fds_.find(segment); it != fds_.end()) return it->second;
  if (!on_disk_.contains(segment))
    return fail("image log: no segment ", segment_path(segment),
                " (removed, or the journal names a file that is not there)");
  const std::string path = segment_path(segment);
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return fail("image log: cannot open ", path, ": ", os_error());
  fds_[segment] = fd;
  return fd;
}

Result<ImagePlace> ImageLog::append(const Digest& hash, std::span<const std::uint8_t> pixels) {
  std::lock_guard lock(*mutex_);
  return append_locked(hash, pixels);
}

Result<ImagePlace> ImageLog::append_held(const Digest& hash, std::span<const std::uint8_t> pixels) {
  std::lock_guard lock(*mutex_);
  auto place = append_locked(hash, pixels);
  if (place) ++held_[place->segment];
  return place;
}

void ImageLog::release(const ImagePlace& place) {
  std::lock_guard lock(*mutex_);
  auto it = held_.find(place.segment);
  if (it != held_.end() && --it->second == 0) held_.erase(it);
}

bool ImageLog::in_use(std::uint64_t segment) const {
  std::lock_guard lock(*mutex_);
  return segment == active_ || held_.contains(segment);
}

bool ImageLog::unsynced() const {
  std::lock_guard lock(*mutex_);
  return !dirty_.empty();
}

std::uint64_t ImageLog::active_segment() const {
  std::lock_guard lock(*mutex_);
  return active_;
}

Result<ImagePlace> ImageLog::append_locked(const Digest& hash,
                                           std::span<const std::uint8_t> pixels) {
  const std::uint64_t record = kHeaderBytes + pixels.size();
  if (active_end_ > 0 && active_end_ + record > segment_bytes_) {
    // The full segment's appends must be durable with the rest at the next sync: it stays dirty.
    if (auto s = start_segment(active_ + 1); !s) return pass_on(s);
  }
  const int fd = fds_.at(active_);
  const Header h = header_of(hash, active_, pixels.size(), 0);
  const ImagePlace place{active_, active_end_, pixels.size()};
  std::array<iovec, 2> parts{iovec{const_cast<std::uint8_t*>(h.data()), h.size()},
                             iovec{const_cast<std::uint8_t*>(pixels.data()), pixels.size()}};
  ssize_t n;
  do {
    n = ::pwritev(fd, parts.data(), 2, static_cast<off_t>(active_end_));
  } while (n < 0 && errno == EINTR);
  if (n >= 0 && static_cast<std::uint64_t>(n) < record) {
    // A short write (a signal, a nearly full disk): write the record again, whole.
    if (!write_all_at(fd, h.data(), h.size(), active_end_) ||
        !write_all_at(fd, pixels.data(), pixels.size(), active_end_ + kHeaderBytes))
      n = -1;
  }
  // A failed record is written over by the next: the end does not move.
  if (n < 0)
    return fail("image log: cannot append ", pixels.size(), " bytes to ", segment_path(active_),
                ": ", os_error());
  active_end_ += record;
  dirty_.insert(active_);
  return place;
}

Result<std::vector<std::uint8_t>> ImageLog::read(const ImagePlace& place,
                                                 const Digest& hash) const {
  auto fd = locked_fd(place.segment);
  if (!fd) return pass_on(fd);
  Header h{};
  if (!read_all_at(*fd, h.data(), h.size(), place.offset))
    return fail("image log: no record at byte ", place.offset, " of ", segment_path(place.segment));
  const Header expected = header_of(hash, place.segment, place.size, 0);
  if (!std::equal(h.begin(), h.end(), expected.begin()))
    return fail("image log: the record at byte ", place.offset, " of ", segment_path(place.segment),
                " is not image ", to_hex(hash), " (erased or overwritten)");
  std::vector<std::uint8_t> pixels(place.size);
  if (!read_all_at(*fd, pixels.data(), pixels.size(), place.offset + kHeaderBytes))
    return fail("image log: image ", to_hex(hash), " in ", segment_path(place.segment),
                " is cut short");
  return pixels;
}

Result<void> ImageLog::erase(const ImagePlace& place) {
  auto fd = locked_fd(place.segment);
  if (!fd) return pass_on(fd);
  const std::vector<std::uint8_t> zeros(std::min<std::uint64_t>(place.size, 1 << 20), 0);
  for (std::uint64_t done = 0; done < place.size;) {
    const std::uint64_t n = std::min<std::uint64_t>(zeros.size(), place.size - done);
    if (!write_all_at(*fd, zeros.data(), n, place.offset + kHeaderBytes + done))
      return fail("image log: cannot overwrite an image in ", segment_path(place.segment), ": ",
                  os_error());
    done += n;
  }
  const Header h = header_of(Digest{}, place.segment, place.size, kErased);
  if (!write_all_at(*fd, h.data(), h.size(), place.offset))
    return fail("image log: cannot mark an image erased in ", segment_path(place.segment), ": ",
                os_error());
  std::lock_guard lock(*mutex_);
  dirty_.insert(place.segment);
  return {};
}

Result<void> ImageLog::sync() {
  // Appends go on while the segments sync: one written after its segment was taken off the dirty
  // list puts it back, and the next sync covers it.
  std::vector<std::pair<std::uint64_t, int>> to_sync;
  {
    std::lock_guard lock(*mutex_);
    for (const std::uint64_t segment : dirty_) {
      auto fd = fd_of(segment);
      if (!fd) return pass_on(fd);
      to_sync.emplace_back(segment, *fd);
    }
    dirty_.clear();
  }
  for (std::size_t i = 0; i < to_sync.size(); ++i) {
    const auto [segment, fd] = to_sync[i];
    if (::fdatasync(fd) != 0) {
      const std::string why = os_error();
      std::lock_guard lock(*mutex_);
      for (std::size_t k = i; k < to_sync.size(); ++k) dirty_.insert(to_sync[k].first);
      return fail("image log: cannot sync ", segment_path(segment), ": ", why);
    }
  }
  return {};
}

Result<std::vector<ImageLog::Record>> ImageLog::records(std::uint64_t segment) const {
  auto fd = locked_fd(segment);
  if (!fd) return pass_on(fd);
  struct stat st {};
  if (::fstat(*fd, &st) != 0)
    return fail("image log: cannot read ", segment_path(segment), ": ", os_error());
  const auto end = static_cast<std::uint64_t>(st.st_size);
  std::vector<Record> out;
  for (std::uint64_t at = 0; end - at >= kHeaderBytes;) {
    Header h{};
    if (!read_all_at(*fd, h.data(), h.size(), at))
      return fail("image log: cannot read ", segment_path(segment), ": ", os_error());
    const std::uint64_t size = get_u64(h.data() + 16);
    if (!std::equal(kMagic.begin(), kMagic.end(), h.begin()) || get_u64(h.data() + 8) != segment ||
        size > end - at - kHeaderBytes)
      break;  // nothing committed names what follows: the journal syncs the log first
    Record r{.place = {segment, at, size}, .erased = (h[4] & kErased) != 0};
    std::copy(h.begin() + 24, h.end(), r.hash.begin());
    out.push_back(r);
    at += kHeaderBytes + size;
  }
  return out;
}

Result<void> ImageLog::remove_segment(std::uint64_t segment) {
  std::lock_guard lock(*mutex_);
  if (segment == active_) return fail("image log: the segment being written cannot be removed");
  if (held_.contains(segment))
    return fail("image log: segment ", segment_path(segment),
                " holds a record a result checker wrote, not yet released: it cannot be removed");
  if (auto it = fds_.find(segment); it != fds_.end()) {
    ::close(it->second);
    fds_.erase(it);
  }
  dirty_.erase(segment);
  const std::string path = segment_path(segment);
  if (spares_.size() < kSpares) {
    const std::string spare =
        (fs::path(dir_) / (std::string(kSparePrefix) + std::to_string(next_spare_))).string();
    if (::rename(path.c_str(), spare.c_str()) == 0) {
      ++next_spare_;
      spares_.push_back(spare);
    } else if (errno != ENOENT) {
      return fail("image log: cannot keep ", path, " as a spare: ", os_error());
    }
  } else if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return fail("image log: cannot remove ", path, ": ", os_error());
  }
  on_disk_.erase(segment);
  return {};
}

std::vector<std::uint64_t> ImageLog::segments() const {
  std::lock_guard lock(*mutex_);
  return {on_disk_.begin(), on_disk_.end()};
}

}  // namespace seedgrid::coordinator
