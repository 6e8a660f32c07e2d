#include "actors/coordinator/image_log.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "core_fixture.hpp"

namespace seedgrid::coordinator::testing {
namespace {

namespace fs = std::filesystem;

std::vector<std::uint8_t> pixels(std::size_t size, std::uint8_t first) {
  std::vector<std::uint8_t> p(size);
  for (std::size_t i = 0; i < size; ++i) p[i] = static_cast<std::uint8_t>(first + i * 7);
  return p;
}

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bool holds(const std::string& file, const std::vector<std::uint8_t>& p) {
  return file.find(std::string(p.begin(), p.end())) != std::string::npos;
}

ImageLog open_log(const fs::path& dir, std::uint64_t segment_bytes = std::uint64_t{32} << 20) {
  auto log = ImageLog::open(dir.string(), segment_bytes);
  EXPECT_TRUE(log) << log.error().message;
  return std::move(*log);
}

TEST(ImageLog, ReadsBackWhatItAppendedAndStartsASegmentWhenOneIsFull) {
  const fs::path dir = fresh_dir("image-log");
  const RemovedAtEnd cleanup{dir};
  ImageLog log = open_log(dir / "images", 320);
  const auto a = pixels(100, 1), b = pixels(100, 2), c = pixels(100, 3);
  auto pa = log.append(blake2b(a), a), pb = log.append(blake2b(b), b);
  auto pc = log.append(blake2b(c), c);
  ASSERT_TRUE(pa && pb && pc);
  EXPECT_EQ(pa->segment, 1u);
  EXPECT_EQ(pb->segment, 1u) << "two records of 156 bytes fit in 320";
  EXPECT_EQ(pb->offset, ImageLog::kHeaderBytes + 100);
  EXPECT_EQ(pc->segment, 2u) << "the third would have taken segment 1 past 320 bytes";
  EXPECT_TRUE(log.unsynced());
  ASSERT_TRUE(log.sync());
  EXPECT_FALSE(log.unsynced());
  for (const auto& [place, p] : {std::pair{*pa, a}, {*pb, b}, {*pc, c}}) {
    auto back = log.read(place, blake2b(p));
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(*back, p);
  }
  auto wrong = log.read(*pa, blake2b(b));
  ASSERT_FALSE(wrong) << "a place read under another image's name";
  EXPECT_NE(wrong.error().message.find("is not image"), std::string::npos) << wrong.error().message;
  EXPECT_EQ(log.segments(), (std::vector<std::uint64_t>{1, 2}));
}

TEST(ImageLog, EachOpenWritesASegmentOfItsOwnAndOlderOnesAreReadAsTheyAre) {
  const fs::path dir = fresh_dir("image-log-reopen");
  const RemovedAtEnd cleanup{dir};
  const auto a = pixels(64, 9);
  ImagePlace place;
  {
    ImageLog log = open_log(dir / "images");
    place = *log.append(blake2b(a), a);
    ASSERT_TRUE(log.sync());
  }
  ImageLog log = open_log(dir / "images");
  EXPECT_EQ(log.active_segment(), 2u);
  auto records = log.records(1);
  ASSERT_TRUE(records) << records.error().message;
  ASSERT_EQ(records->size(), 1u);
  EXPECT_EQ((*records)[0].hash, blake2b(a));
  EXPECT_FALSE((*records)[0].erased);
  auto back = log.read(place, blake2b(a));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, a);
}

// A crash mid-append leaves part of a record: nothing committed names it (the journal syncs the
// log before its commit), and the records end before it.
TEST(ImageLog, ARecordACrashCutShortEndsTheRecords) {
  const fs::path dir = fresh_dir("image-log-torn");
  const RemovedAtEnd cleanup{dir};
  const auto a = pixels(100, 4), b = pixels(100, 5);
  std::string first;
  {
    ImageLog log = open_log(dir / "images");
    ASSERT_TRUE(log.append(blake2b(a), a));
    ASSERT_TRUE(log.append(blake2b(b), b));
    ASSERT_TRUE(log.sync());
    first = log.segment_path(1);
  }
  const ImageLog log = open_log(dir / "images");
  for (const std::uint64_t cut : {ImageLog::kHeaderBytes + 30, std::uint64_t{10}}) {
    fs::resize_file(first, ImageLog::kHeaderBytes + 100 + cut);
    auto records = log.records(1);
    ASSERT_TRUE(records) << records.error().message;
    ASSERT_EQ(records->size(), 1u) << "cut " << cut << " bytes into the second record";
    EXPECT_EQ((*records)[0].hash, blake2b(a));
  }
}

// A segment that goes is kept as a spare and the next segment is written over it: what is left of
// its earlier records is not read as the new segment's.
TEST(ImageLog, ASpareSegmentIsWrittenOverAndItsOldRecordsAreNotReadAsNew) {
  const fs::path dir = fresh_dir("image-log-spare");
  const RemovedAtEnd cleanup{dir};
  const auto a = pixels(200, 1), b = pixels(200, 2), c = pixels(50, 3);
  ImageLog log = open_log(dir / "images", 300);
  ASSERT_TRUE(log.append(blake2b(a), a));
  ASSERT_TRUE(log.append(blake2b(b), b));  // segment 2
  ASSERT_TRUE(log.sync());
  ASSERT_TRUE(log.remove_segment(1));
  EXPECT_FALSE(fs::exists(log.segment_path(1)));
  EXPECT_TRUE(fs::exists(dir / "images" / "spare.0")) << "kept to be written over";
  auto pc = log.append(blake2b(c), c);  // segment 3, over segment 1's old file
  ASSERT_TRUE(pc && log.sync());
  EXPECT_EQ(pc->segment, 3u);
  EXPECT_FALSE(fs::exists(dir / "images" / "spare.0"));
  EXPECT_EQ(fs::file_size(log.segment_path(3)), ImageLog::kHeaderBytes + 200)
      << "the old file, its first record written over";
  auto records = log.records(3);
  ASSERT_TRUE(records) << records.error().message;
  ASSERT_EQ(records->size(), 1u) << "segment 1's leftover bytes are not a record of segment 3";
  EXPECT_EQ((*records)[0].hash, blake2b(c));
  // Past two spares, a segment that goes is deleted.
  ASSERT_TRUE(log.append(blake2b(a), a));  // segment 4
  ASSERT_TRUE(log.append(blake2b(b), b));  // segment 5
  for (std::uint64_t s : {2, 3, 4}) ASSERT_TRUE(log.remove_segment(s));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir / "images"), fs::directory_iterator{}), 3)
      << "segment 5 and two spares";
  EXPECT_EQ(log.segments(), std::vector<std::uint64_t>{5});
}

TEST(ImageLog, AnErasedRecordsPixelsAreOverwrittenAndItIsNoLongerRead) {
  const fs::path dir = fresh_dir("image-log-erase");
  const RemovedAtEnd cleanup{dir};
  ImageLog log = open_log(dir / "images");
  const auto keep = pixels(4096, 11), gone = pixels(4096, 12);
  auto pk = log.append(blake2b(keep), keep), pg = log.append(blake2b(gone), gone);
  ASSERT_TRUE(pk && pg && log.sync());
  ASSERT_TRUE(holds(file_bytes(log.segment_path(1)), gone));
  ASSERT_TRUE(log.erase(*pg));
  EXPECT_TRUE(log.unsynced()) << "an erasure is durable at the next sync";
  ASSERT_TRUE(log.sync());
  const std::string file = file_bytes(log.segment_path(1));
  EXPECT_FALSE(holds(file, gone));
  EXPECT_TRUE(holds(file, keep));
  auto read = log.read(*pg, blake2b(gone));
  ASSERT_FALSE(read);
  EXPECT_NE(read.error().message.find("erased or overwritten"), std::string::npos)
      << read.error().message;
  auto records = log.records(1);
  ASSERT_TRUE(records) << records.error().message;
  ASSERT_EQ(records->size(), 2u) << "the record keeps its length: the next one is still found";
  EXPECT_FALSE((*records)[0].erased);
  EXPECT_TRUE((*records)[1].erased);
}

TEST(ImageLog, ASegmentIsRemovedWholeButNotTheOneBeingWritten) {
  const fs::path dir = fresh_dir("image-log-remove");
  const RemovedAtEnd cleanup{dir};
  const auto a = pixels(200, 1), b = pixels(200, 2);
  ImageLog log = open_log(dir / "images", 300);
  auto pa = log.append(blake2b(a), a), pb = log.append(blake2b(b), b);
  ASSERT_TRUE(pa && pb && log.sync());
  ASSERT_EQ(pb->segment, 2u);
  auto refused = log.remove_segment(2);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("being written"), std::string::npos);
  ASSERT_TRUE(log.remove_segment(1));
  EXPECT_FALSE(fs::exists(log.segment_path(1)));
  EXPECT_EQ(log.segments(), std::vector<std::uint64_t>{2});
  auto gone = log.read(*pa, blake2b(a));
  ASSERT_FALSE(gone);
  EXPECT_NE(gone.error().message.find("no segment"), std::string::npos) << gone.error().message;
  EXPECT_NE(gone.error().message.find("00000001.images"), std::string::npos)
      << gone.error().message;
}

// A result checker's record (append_held) keeps its segment on disk until it is released, even
// once another segment is being written: the coordinator names it only after the checker answers.
TEST(ImageLog, ASegmentHoldingARecordNotYetReleasedIsNotRemoved) {
  const fs::path dir = fresh_dir("image-log-held");
  const RemovedAtEnd cleanup{dir};
  const auto a = pixels(200, 1), b = pixels(200, 2);
  ImageLog log = open_log(dir / "images", 300);
  auto pa = log.append_held(blake2b(a), a);
  auto pb = log.append(blake2b(b), b);
  ASSERT_TRUE(pa && pb && log.sync());
  ASSERT_EQ(pa->segment, 1u);
  ASSERT_EQ(pb->segment, 2u);
  EXPECT_TRUE(log.in_use(1)) << "held by the checker's record";
  EXPECT_TRUE(log.in_use(2)) << "being written";
  auto refused = log.remove_segment(1);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("not yet released"), std::string::npos)
      << refused.error().message;
  auto still = log.read(*pa, blake2b(a));
  ASSERT_TRUE(still) << still.error().message;
  EXPECT_EQ(*still, a);
  log.release(*pa);
  EXPECT_FALSE(log.in_use(1));
  ASSERT_TRUE(log.remove_segment(1));
  EXPECT_EQ(log.segments(), std::vector<std::uint64_t>{2});
}

// Appends from several threads (the result checkers) each write a whole record after the one
// before: every record reads back, and the segment's records are found one after another with
// nothing between them, so a crash can only cut the tail.
TEST(ImageLog, AppendsFromSeveralThreadsFollowOneAnother) {
  const fs::path dir = fresh_dir("image-log-threads");
  const RemovedAtEnd cleanup{dir};
  ImageLog log = open_log(dir / "images");
  constexpr int kThreads = 4, kEach = 50;
  std::vector<std::vector<std::pair<ImagePlace, std::vector<std::uint8_t>>>> written(kThreads);
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([&, t] {
        for (int i = 0; i < kEach; ++i) {
          auto p = pixels(1000 + 37 * static_cast<std::size_t>(i), static_cast<std::uint8_t>(t));
          auto place = log.append_held(blake2b(p), p);
          if (!place) ADD_FAILURE() << place.error().message;
          if (place) written[t].emplace_back(*place, std::move(p));
        }
      });
  }
  ASSERT_TRUE(log.sync());
  std::size_t total = 0;
  for (const auto& of_thread : written)
    for (const auto& [place, p] : of_thread) {
      ++total;
      auto back = log.read(place, blake2b(p));
      ASSERT_TRUE(back) << back.error().message;
      EXPECT_EQ(*back, p);
      log.release(place);
    }
  ASSERT_EQ(total, std::size_t{kThreads * kEach});
  auto records = log.records(1);
  ASSERT_TRUE(records) << records.error().message;
  EXPECT_EQ(records->size(), total) << "a record overlapping or a gap would end the walk early";
  EXPECT_FALSE(log.in_use(2));
}

TEST(ImageLog, ADirectoryItCannotCreateIsNamed) {
  const fs::path dir = fresh_dir("image-log-bad");
  const RemovedAtEnd cleanup{dir};
  std::ofstream(dir / "file") << "not a directory";
  auto log = ImageLog::open((dir / "file" / "images").string());
  ASSERT_FALSE(log);
  EXPECT_NE(log.error().message.find((dir / "file" / "images").string()), std::string::npos)
      << log.error().message;
}

}  // namespace
}  // namespace seedgrid::coordinator::testing
