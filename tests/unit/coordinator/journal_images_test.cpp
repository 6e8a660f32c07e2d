// A SQLite journal's result images in the image log beside it (journal_results.hpp): what a crash
// at each point leaves, what a restart sweeps, and that older journals' image rows still serve.
// These read the journal's files, so they run on a SQLite journal in both test runs.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>

#include "actors/coordinator/image_log.hpp"
#include "actors/coordinator/journal.hpp"
#include "core_fixture.hpp"
#include "runtime/base/storage/database.hpp"

namespace seedgrid::coordinator::testing {
namespace {

namespace fs = std::filesystem;

struct JournalImages : ::testing::Test {
  fs::path dir = fresh_dir("journal-images");
  RemovedAtEnd cleanup{dir};
  std::string path = (dir / "j.sqlite").string();
  fs::path images = path + ".images";

  Journal open() const {
    auto j = Journal::open(path, (dir / "key").string());
    EXPECT_TRUE(j) << j.error().message;
    return std::move(*j);
  }
  static std::vector<std::uint8_t> image(std::uint8_t seed) {
    std::vector<std::uint8_t> p(12'288);
    for (std::size_t i = 0; i < p.size(); ++i) p[i] = static_cast<std::uint8_t>(seed * 31 + i * 7);
    return p;
  }
  // Puts the images and commits them.
  static void put_committed(Journal& j, std::initializer_list<std::vector<std::uint8_t>> images) {
    for (const auto& p : images) ASSERT_TRUE(j.put_result_image(blake2b(p), p));
    ASSERT_TRUE(j.commit());
  }
  // Whether any of the log's files, spares included, holds these pixels.
  bool log_holds(const std::vector<std::uint8_t>& p) const {
    for (const auto& e : fs::directory_iterator(images)) {
      std::ifstream in(e.path(), std::ios::binary);
      const std::string file{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
      if (file.find(std::string(p.begin(), p.end())) != std::string::npos) return true;
    }
    return false;
  }
  // Puts a result that fills the log's segment, so the log moves on to a new one; its hash.
  static Digest put_segment_filler(Journal& j, std::uint8_t byte) {
    const std::vector<std::uint8_t> large((std::uint64_t{32} << 20) - 1000, byte);
    const std::uint64_t before = j.image_log()->active_segment();
    EXPECT_TRUE(j.put_result_image(blake2b(large), large));
    EXPECT_NE(j.image_log()->active_segment(), before);
    return blake2b(large);
  }
  // Segments, not spares (image_log.hpp keeps up to two files of segments that went).
  std::size_t segment_files() const {
    std::size_t n = 0;
    for (const auto& e : fs::directory_iterator(images)) n += e.path().extension() == ".images";
    return n;
  }
  void sql(const std::string& text) const {
    auto db = storage::Database::open(path);
    ASSERT_TRUE(db) << db.error().message;
    ASSERT_TRUE(db->exec(text));
  }
};

TEST_F(JournalImages, PixelsGoToTheLogAndTheJournalKeepsTheirPlace) {
  const auto a = image(1);
  {
    Journal j = open();
    ASSERT_TRUE(j.put_result_image(blake2b(a), a));
    ASSERT_TRUE(j.put_result_image(blake2b(a), a)) << "the same image twice is one image";
    ASSERT_TRUE(j.commit());
  }
  EXPECT_TRUE(log_holds(a));
  std::ifstream in(path, std::ios::binary);
  const std::string db{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  EXPECT_EQ(db.find(std::string(a.begin(), a.end())), std::string::npos)
      << "the pixels are not in the journal's own file";
  Journal j = open();
  auto back = j.find_result_image(blake2b(a));
  ASSERT_TRUE(back && *back) << (back ? "not found" : back.error().message);
  EXPECT_EQ(**back, a);
  auto listed = j.result_image_hashes();
  ASSERT_TRUE(listed) << listed.error().message;
  EXPECT_EQ(*listed, std::vector<Digest>{blake2b(a)}) << "written once";
}

// Appended, never committed (a crash, or a journal closed with its writes pending): no result
// names the pixels, and the next open overwrites them and drops the segment.
TEST_F(JournalImages, PixelsWhoseCommitNeverHappenedAreOverwrittenAtTheNextOpen) {
  const auto a = image(2);
  {
    Journal j = open();
    ASSERT_TRUE(j.put_result_image(blake2b(a), a));
  }  // rolled back
  ASSERT_TRUE(log_holds(a)) << "appended before the commit that would have named it";
  Journal j = open();
  EXPECT_FALSE(log_holds(a));
  EXPECT_EQ(segment_files(), 1u) << "only this run's segment is left";
  auto found = j.has_result_image(blake2b(a));
  ASSERT_TRUE(found);
  EXPECT_FALSE(*found);
}

// A private image is overwritten once its delete commits; a public one only leaves the journal.
// A segment goes once the journal names no image in it, and never the one being written.
TEST_F(JournalImages, DeletedImagesLetTheirSegmentGoAndPrivateOnesAreOverwrittenFirst) {
  const auto pub = image(3), priv = image(4);
  {
    Journal j = open();
    ASSERT_NO_FATAL_FAILURE(put_committed(j, {pub, priv}));
    ASSERT_TRUE(j.delete_result_image(blake2b(pub), /*zero_pages=*/false));
    ASSERT_TRUE(j.delete_result_image(blake2b(priv)));
    EXPECT_TRUE(log_holds(priv)) << "not before the delete commits: a crash must still find it";
    ASSERT_TRUE(j.commit());
    EXPECT_FALSE(log_holds(priv));
    EXPECT_TRUE(log_holds(pub));
    EXPECT_EQ(segment_files(), 1u) << "the segment being written stays";
  }
  const auto later = image(5);
  {
    Journal j = open();  // segment 1 named nothing: gone at this open
    EXPECT_EQ(segment_files(), 1u);
    ASSERT_NO_FATAL_FAILURE(put_committed(j, {later}));
  }
  Journal j = open();  // segment 2 holds `later`: kept, next to segment 3
  EXPECT_EQ(segment_files(), 2u);
  ASSERT_TRUE(j.delete_result_image(blake2b(later)));
  ASSERT_TRUE(j.commit());
  EXPECT_EQ(segment_files(), 1u) << "segment 2 went with the commit that let its last image go";
  EXPECT_FALSE(log_holds(later));
}

// Records a result checker wrote (ImageLog::append_held) and offered: the one a stored result
// names is named where it is, without a second copy; the one nothing named (a refused result's,
// or a second copy of a stored image) is overwritten at the commit, and every offered record is
// released.
TEST_F(JournalImages, ACheckersRecordIsNamedWhereItIsAndOneNothingNamedIsOverwritten) {
  const auto stored = image(8), refused = image(9);
  {
    Journal j = open();
    auto log = j.image_log();
    ASSERT_TRUE(log) << "a durable SQLite journal keeps its images in a log";
    auto ps = log->append_held(blake2b(stored), stored);
    auto pr = log->append_held(blake2b(refused), refused);
    auto copy = log->append_held(blake2b(stored), stored);
    ASSERT_TRUE(ps && pr && copy);
    j.offer_result_image(blake2b(stored), *ps);
    j.offer_result_image(blake2b(refused), *pr);
    j.offer_result_image(blake2b(stored), *copy);
    ASSERT_TRUE(j.put_result_image(blake2b(stored), stored));
    ASSERT_TRUE(j.put_result_image(blake2b(stored), stored)) << "the same image twice";
    ASSERT_TRUE(j.commit());
    auto records = log->records(ps->segment);
    ASSERT_TRUE(records) << records.error().message;
    ASSERT_EQ(records->size(), 3u) << "the stored image was not written again";
    EXPECT_NE((*records)[0].erased, (*records)[2].erased)
        << "one of the stored image's two records is named where the checker wrote it, and the "
           "other copy is overwritten";
    EXPECT_TRUE((*records)[1].erased) << "the refused result's pixels are overwritten";
    EXPECT_FALSE(log_holds(refused));
  }
  Journal j = open();
  auto back = j.find_result_image(blake2b(stored));
  ASSERT_TRUE(back && *back) << (back ? "not found" : back.error().message);
  EXPECT_EQ(**back, stored);
}

// The segment a checker's record went into is not let go while the record is offered but not yet
// named, even when a commit in between finds that segment names nothing.
TEST_F(JournalImages, ASegmentWithACheckersRecordNotYetNamedStaysThroughACommit) {
  const auto early = image(10);
  Journal j = open();
  auto log = j.image_log();
  ASSERT_TRUE(log);
  auto place = log->append_held(blake2b(early), early);
  ASSERT_TRUE(place);
  const Digest large = put_segment_filler(j, 3);
  ASSERT_NE(log->active_segment(), place->segment);
  ASSERT_TRUE(j.delete_result_image(large, false));
  ASSERT_TRUE(j.commit()) << "names nothing in the checker's segment";
  EXPECT_TRUE(log_holds(early)) << "the checker's segment stayed";
  j.offer_result_image(blake2b(early), *place);
  ASSERT_TRUE(j.put_result_image(blake2b(early), early));
  ASSERT_TRUE(j.commit());
  auto back = j.find_result_image(blake2b(early));
  ASSERT_TRUE(back && *back) << (back ? "not found" : back.error().message);
  EXPECT_EQ(**back, early);
}

// A put and a delete of one image in one transaction leave its segment named by nothing, though
// whether the put named its image is known only where its statement ran (the commit counts the
// put before the delete), so the segment goes with the commit.
TEST_F(JournalImages, AnImagePutAndDeletedInOneTransactionLetsItsSegmentGo) {
  const auto small = image(11);
  Journal j = open();
  auto log = j.image_log();
  ASSERT_TRUE(log);
  const std::uint64_t first = log->active_segment();
  ASSERT_TRUE(j.put_result_image(blake2b(small), small));
  put_segment_filler(j, 4);
  ASSERT_NE(log->active_segment(), first);
  ASSERT_TRUE(j.delete_result_image(blake2b(small), /*zero_pages=*/false));
  ASSERT_TRUE(j.commit());
  EXPECT_EQ(segment_files(), 1u) << "the small image's segment named nothing after the commit";
}

// A crash between a delete's commit and the overwriting of its pixels: the next open overwrites
// every record that no place names, and keeps those that one does.
TEST_F(JournalImages, AnOverwriteACrashInterruptedIsDoneAtTheNextOpen) {
  const auto kept = image(6), dropped = image(7);
  {
    Journal j = open();
    ASSERT_NO_FATAL_FAILURE(put_committed(j, {kept, dropped}));
  }
  // The delete committed; its overwrite never ran.
  sql("DELETE FROM result_image_places WHERE hash = X'" + to_hex(blake2b(dropped)) + "'");
  ASSERT_TRUE(log_holds(dropped));
  Journal j = open();
  EXPECT_FALSE(log_holds(dropped));
  auto back = j.find_result_image(blake2b(kept));
  ASSERT_TRUE(back && *back) << (back ? "not found" : back.error().message);
  EXPECT_EQ(**back, kept);
}

// Journals before the log kept each image as a row: those rows are still read, listed and deleted.
TEST_F(JournalImages, AnOlderJournalsImageRowsStillServe) {
  const auto old = image(8), fresh = image(9);
  { open(); }  // creates the schema
  sql("INSERT INTO result_images(hash, pixels) VALUES(X'" + to_hex(blake2b(old)) + "', X'" +
      to_hex(std::span<const std::uint8_t>(old)) + "')");
  Journal j = open();
  ASSERT_NO_FATAL_FAILURE(put_committed(j, {fresh}));
  auto back = j.find_result_image(blake2b(old));
  ASSERT_TRUE(back && *back) << (back ? "not found" : back.error().message);
  EXPECT_EQ(**back, old);
  auto listed = j.result_image_hashes();
  ASSERT_TRUE(listed) << listed.error().message;
  EXPECT_EQ(listed->size(), 2u);
  ASSERT_TRUE(j.delete_result_image(blake2b(old)));
  ASSERT_TRUE(j.commit());
  auto gone = j.has_result_image(blake2b(old));
  ASSERT_TRUE(gone);
  EXPECT_FALSE(*gone);
}

TEST_F(JournalImages, ASegmentFileThatWentMissingIsNamedWhenItsImageIsRead) {
  const auto a = image(10);
  {
    Journal j = open();
    ASSERT_NO_FATAL_FAILURE(put_committed(j, {a}));
  }
  fs::remove(images / "00000001.images");
  Journal j = open();
  auto read = j.find_result_image(blake2b(a));
  ASSERT_FALSE(read);
  EXPECT_NE(read.error().message.find("00000001.images"), std::string::npos)
      << read.error().message;
}

}  // namespace
}  // namespace seedgrid::coordinator::testing
