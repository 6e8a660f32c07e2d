#pragma once
// Result images on a SQLite journal, kept out of SQLite: append-only segment files in a directory
// beside the journal (`<journal>.images/00000001.images`, ...). The journal keeps each image's
// place (journal_results.hpp) and syncs the log before the commit that names its images, so a
// committed result always finds its pixels; pixels written for a commit that never happened are
// found unnamed at the next open and overwritten.
//
// Why: a journaled image was written twice (the WAL, then its checkpoint into the file) inside the
// coordinator's one writer; that was about a fifth of the dispatch bench's CPU (bench/RESULTS.md).
// Appended here it is written once, and a segment whose images all went is deleted whole.
//
// A record is a 56-byte header (magic, erased flag, segment number, size, BLAKE2b of the pixels)
// and the pixels. Erasing one (a private image) overwrites its pixels with zeros and flags its
// header. Each open starts a new segment: older ones only lose records, never grow, so a torn tail
// a crash left is never written after.
//
// A segment that goes is kept as a spare (up to two) and the next segment is written over it: its
// blocks are allocated already, so syncing an append writes the data and not the file's size and
// extents too (on tmpfs: no new pages to clear). What is left of the spare's earlier use past the
// new records is told apart by the segment number in each header.
//
// The result checkers append the pixels of the results they checked (append_held), off the
// coordinator's thread, before the coordinator applies those results; the coordinator's journal
// owns the rest. Appends take a lock for their whole write, so a segment's records still follow
// one another and a crash only ever cuts its tail.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "models/result.hpp"
#include "runtime/base/crypto/hash.hpp"

namespace seedgrid::coordinator {

struct ImagePlace {
  std::uint64_t segment = 0;
  std::uint64_t offset = 0;  // of the record's header
  std::uint64_t size = 0;    // of the pixels
};

class ImageLog {
 public:
  static constexpr std::uint64_t kHeaderBytes = 56;
  // `segment_bytes`: a new segment is started when a record would take the current one past it.
  static Result<ImageLog> open(const std::string& dir,
                               std::uint64_t segment_bytes = std::uint64_t{32} << 20);
  ImageLog(ImageLog&&) noexcept;
  ImageLog& operator=(ImageLog&&) noexcept;
  ImageLog(const ImageLog&) = delete;
  ImageLog& operator=(const ImageLog&) = delete;
  ~ImageLog();

  // Durable at the next sync(). Any thread may append.
  Result<ImagePlace> append(const Digest& hash, std::span<const std::uint8_t> pixels);
  // As append(), for pixels written before the journal knows their result (a result checker's):
  // the record's segment is not removed until release(place), named by then or not.
  Result<ImagePlace> append_held(const Digest& hash, std::span<const std::uint8_t> pixels);
  void release(const ImagePlace& place);
  // Whether remove_segment refuses the segment: the one being written, or one that holds a record
  // appended with append_held and not yet released.
  bool in_use(std::uint64_t segment) const;
  // The pixels as stored, once the record's header says it holds `hash`: the caller checks the
  // pixels hash to it.
  Result<std::vector<std::uint8_t>> read(const ImagePlace& place, const Digest& hash) const;
  // Zeroes the record's pixels and flags it erased; durable at the next sync().
  Result<void> erase(const ImagePlace& place);
  // Makes every append and erasure since the last sync durable.
  Result<void> sync();
  bool unsynced() const;

  struct Record {
    ImagePlace place;
    Digest hash{};
    bool erased = false;
  };
  // A segment's records in order, up to the first bytes that are not a whole record of this
  // segment: the end, a record a crash cut short, or an earlier use of a recycled file.
  Result<std::vector<Record>> records(std::uint64_t segment) const;
  // The segment's file is kept as a spare, or deleted when two are kept already.
  Result<void> remove_segment(std::uint64_t segment);

  std::uint64_t active_segment() const;
  // Every segment file, this run's included, in order.
  std::vector<std::uint64_t> segments() const;
  const std::string& dir() const { return dir_; }
  std::string segment_path(std::uint64_t segment) const;

 private:
  ImageLog(std::string dir, std::uint64_t segment_bytes);
  Result<int> fd_of(std::uint64_t segment) const;  // with the lock held
  Result<int> locked_fd(std::uint64_t segment) const;
  Result<void> start_segment(std::uint64_t segment);
  Result<ImagePlace> append_locked(const Digest& hash, std::span<const std::uint8_t> pixels);

  // Guards every member below; held through an append's write, not through reads, erasures
  // and syncs, which only the owner makes (and which never touch a record being appended).
  std::unique_ptr<std::mutex> mutex_ = std::make_unique<std::mutex>();
  std::string dir_;
  std::uint64_t segment_bytes_ = 0;
  std::uint64_t active_ = 0;
  std::uint64_t active_end_ = 0;
  std::set<std::uint64_t> on_disk_;
  mutable std::map<std::uint64_t, int> fds_;  // opened as needed, closed with their segment
  std::set<std::uint64_t> dirty_;
  std::vector<std::string> spares_;
  std::uint64_t next_spare_ = 0;
  std::map<std::uint64_t, std::uint64_t> held_;  // records appended with append_held, by segment
};

}  // namespace seedgrid::coordinator
