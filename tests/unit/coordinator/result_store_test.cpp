#include "actors/coordinator/result_store.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

#include "actors/coordinator/image_log.hpp"
#include "actors/coordinator/journal.hpp"
#include "core_fixture.hpp"
#include "runtime/base/storage/database.hpp"

namespace seedgrid::coordinator::testing {
namespace {

// A journal in a fresh directory (a schema of its own on the `.postgres` run), reopened by path.
struct JournalAt {
  std::filesystem::path dir;
  RemovedAtEnd cleanup{dir};
  std::string path = test::database_location((dir / "j.sqlite").string(), "j");
  std::string prompt_key = (dir / "j.prompt-key").string();

  Journal open() const {
    auto j = Journal::open(path, prompt_key);
    EXPECT_TRUE(j) << j.error().message;
    return std::move(*j);
  }
  // Writes over an image's bytes behind its store's back, as a damaged disk would: in the image
  // log beside a SQLite journal, in its row on PostgreSQL.
  void damage(const Digest& hash) const {
    auto db = storage::Database::open(path);
    ASSERT_TRUE(db) << db.error().message;
    const std::span<const std::uint8_t> name{hash.data(), hash.size()};
    if (db->engine() == storage::Engine::postgres) {
      auto q = db->prepare("UPDATE result_images SET pixels = ? WHERE hash = ?");
      ASSERT_TRUE(q) << q.error().message;
      const std::vector<std::uint8_t> junk{'x', 'x'};
      ASSERT_TRUE(q->bind_blob(1, junk).bind_blob(2, name).run());
      return;
    }
    auto q = db->prepare("SELECT segment, at_byte FROM result_image_places WHERE hash = ?");
    ASSERT_TRUE(q) << q.error().message;
    q->bind_blob(1, name);
    auto row = q->step();
    ASSERT_TRUE(row && *row) << "no place for " << to_hex(hash);
    char segment[32];
    std::snprintf(segment, sizeof segment, "%08lld.images",
                  static_cast<long long>(q->column_int64(0)));
    std::fstream f(path + ".images/" + segment, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(q->column_int64(1) + static_cast<std::int64_t>(ImageLog::kHeaderBytes));
    f.write("xx", 2);
    ASSERT_TRUE(f.good());
  }
};

const std::vector<std::uint8_t> kA{1, 2, 3, 4, 5, 6}, kB{6, 5, 4, 3, 2, 1};

TEST(ResultStore, ContentAddressedCheckedAndKeptByTheJournal) {
  const JournalAt at{fresh_dir("results")};
  const Digest h = protocol::output_hash_of(kA);
  {
    Journal journal = at.open();
    ResultStore store(journal);
    EXPECT_FALSE(store.put(blake2b(std::string_view("other")), kA)) << "a wrong name is refused";
    ASSERT_TRUE(store.put(h, kA));
    ASSERT_TRUE(store.put(h, kA)) << "the same image twice is one image";
    EXPECT_TRUE(*store.contains(h));
    ASSERT_TRUE(journal.commit());
  }
  Journal journal = at.open();  // a restart: nothing in memory, read from the journal
  ResultStore store(journal);
  auto back = store.get(h);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, kA);
  at.damage(h);
  auto damaged = ResultStore(journal).get(h);
  ASSERT_FALSE(damaged) << "a damaged image is refused when read";
  EXPECT_NE(damaged.error().message.find("does not hash to its name"), std::string::npos)
      << damaged.error().message;
  ASSERT_TRUE(store.remove(h));
  EXPECT_FALSE(*store.contains(h));
  EXPECT_FALSE(store.get(h)) << "a removed image is not served from memory either";
}

// An image is written in the journal's open transaction: it is durable exactly when the result
// that names it is, and an image removed before the commit leaves nothing behind.
TEST(ResultStore, AnImageIsDurableWithTheCommitOfItsResult) {
  const JournalAt at{fresh_dir("results-commit")};
  const Digest ha = protocol::output_hash_of(kA), hb = protocol::output_hash_of(kB);
  {
    Journal journal = at.open();
    ResultStore store(journal, storage::Durability::full, 0);  // nothing kept in memory
    ASSERT_TRUE(store.put(ha, kA));
    ASSERT_TRUE(store.put(hb, kB));
    EXPECT_TRUE(journal.pending()) << "the images wait in the open transaction";
    auto early = store.get(ha);  // read back before the commit, by the same journal
    ASSERT_TRUE(early) << early.error().message;
    EXPECT_EQ(*early, kA);
    ASSERT_TRUE(store.remove(hb));
    ASSERT_TRUE(journal.commit());
  }
  Journal journal = at.open();
  ResultStore restarted(journal);
  auto back = restarted.get(ha);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, kA);
  EXPECT_FALSE(*restarted.contains(hb));
}

// A private image's bytes are zeroed when it is deleted; a public one's are only let go (zeroing
// 768 KiB cost as much as writing it), and zeroing is on again for whatever is deleted next.
// The journal's files (its image log included) are read back byte by byte, so this runs on a
// SQLite journal in both test runs.
TEST(ResultStore, APrivateImagesPagesAreZeroedAndAPublicOnesOnlyFreed) {
  const std::filesystem::path dir = fresh_dir("results-erase");
  const RemovedAtEnd cleanup{dir};
  const std::string path = (dir / "j.sqlite").string();
  const auto image = [](std::uint32_t seed) {
    std::mt19937 bytes(seed);
    std::vector<std::uint8_t> p(48 * 1024);  // past one page: overflow pages, as real images
    for (auto& b : p) b = static_cast<std::uint8_t>(bytes());
    return p;
  };
  const auto pub = image(1), priv = image(2);
  const Digest hp = protocol::output_hash_of(pub), hq = protocol::output_hash_of(priv);
  {
    auto journal = Journal::open(path, (dir / "key").string());
    ASSERT_TRUE(journal) << journal.error().message;
    ResultStore store(*journal);
    ASSERT_TRUE(store.put(hp, pub));
    ASSERT_TRUE(store.put(hq, priv));
    ASSERT_TRUE(journal->commit());
    ASSERT_TRUE(store.remove(hp, /*zero_pages=*/false));
    ASSERT_TRUE(store.remove(hq));
    ASSERT_TRUE(journal->commit());
  }  // closing checkpoints the WAL into the file
  std::string file;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    file.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  const auto holds = [&](const std::vector<std::uint8_t>& p) {
    return file.find(std::string(p.begin() + 20'000, p.begin() + 20'256)) != std::string::npos;
  };
  EXPECT_TRUE(holds(pub)) << "a public image's freed pages are left as they were";
  EXPECT_FALSE(holds(priv)) << "a private image's pages are overwritten";
}

TEST(ResultStore, KeepsTheNewestImagesInMemoryUpToItsBound) {
  const JournalAt at{fresh_dir("results-recent")};
  const Digest ha = protocol::output_hash_of(kA), hb = protocol::output_hash_of(kB);
  Journal journal = at.open();
  ResultStore store(journal, storage::Durability::full, 8);  // room for one 6-byte image
  ASSERT_TRUE(store.put(ha, kA));
  ASSERT_TRUE(store.put(hb, kB));
  ASSERT_TRUE(journal.commit());
  at.damage(ha);  // both rows damaged behind the store's back
  at.damage(hb);
  auto newest = store.get(hb);
  ASSERT_TRUE(newest) << newest.error().message;
  EXPECT_EQ(*newest, kB);
  EXPECT_FALSE(store.get(ha)) << "the older image left memory and is read from the journal";
}

// A delivery takes the image out of memory instead of copying it: it stays stored, later reads
// come from the journal, and the memory it held is free for the next images.
TEST(ResultStore, ADeliveryTakesTheImageFromMemoryAndItStaysStored) {
  const JournalAt at{fresh_dir("results-take")};
  const std::vector<std::uint8_t> kC{7, 7, 7, 7, 7, 7};
  const Digest ha = protocol::output_hash_of(kA), hb = protocol::output_hash_of(kB),
               hc = protocol::output_hash_of(kC);
  Journal journal = at.open();
  ResultStore store(journal, storage::Durability::full, 12);  // room for two 6-byte images
  ASSERT_TRUE(store.put(ha, kA));
  ASSERT_TRUE(journal.commit());
  auto taken = store.take(ha);
  ASSERT_TRUE(taken) << taken.error().message;
  EXPECT_EQ(*taken, kA);
  EXPECT_TRUE(*store.contains(ha));
  auto again = store.get(ha);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(*again, kA) << "read back from the journal";
  ASSERT_TRUE(store.put(hb, kB));
  ASSERT_TRUE(store.put(hc, kC));
  ASSERT_TRUE(journal.commit());
  at.damage(ha);
  at.damage(hb);
  EXPECT_FALSE(store.get(ha)) << "taken: no copy left in memory";
  auto b = store.get(hb);
  ASSERT_TRUE(b) << "the taken image's bytes were freed, so b and c both fit: "
                 << b.error().message;
  EXPECT_EQ(*b, kB);
}

// A result's pixels handed over (the coordinator's own, once checked) are kept, not copied: the
// delivery takes the very buffer the worker's message brought.
TEST(ResultStore, PixelsHandedOverAreKeptWithoutACopy) {
  const JournalAt at{fresh_dir("results-moved")};
  const Digest ha = protocol::output_hash_of(kA);
  Journal journal = at.open();
  ResultStore store(journal);
  std::vector<std::uint8_t> pixels = kA;
  const std::uint8_t* buffer = pixels.data();
  ASSERT_TRUE(store.put(ha, std::move(pixels)));
  ASSERT_TRUE(journal.commit());
  auto taken = store.take(ha);
  ASSERT_TRUE(taken) << taken.error().message;
  EXPECT_EQ(*taken, kA);
  EXPECT_EQ(taken->data(), buffer);
}

void write_file(const std::filesystem::path& path, const std::vector<std::uint8_t>& bytes) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

std::filesystem::path legacy_path(const std::filesystem::path& root, const Digest& hash) {
  const std::string hex = to_hex(hash);
  return root / hex.substr(0, 2) / (hex + ".rgb");
}

// Coordinators before this one kept each image as a file under <data dir>/results: an upgraded
// coordinator moves them into its journal, drops what a crash left unsynced, and leaves a file
// that does not hash to its name where it is.
TEST(ResultStore, MovesAnOlderCoordinatorsImageFilesIntoTheJournal) {
  const JournalAt at{fresh_dir("results-files")};
  const auto root = at.dir / "results";
  const Digest ha = protocol::output_hash_of(kA), hb = protocol::output_hash_of(kB);
  write_file(legacy_path(root, ha), kA);
  write_file(legacy_path(root, hb).string() + ".tmp", kB);  // a crash before its sync
  const Digest hc = protocol::output_hash_of(std::vector<std::uint8_t>{9});
  write_file(legacy_path(root, hc), {8});  // damaged: not the bytes its name says
  {
    Journal journal = at.open();
    ResultStore store(journal);
    auto moved = store.move_files_into_journal(root.string());
    ASSERT_TRUE(moved) << moved.error().message;
    EXPECT_EQ(moved->moved, 1u);
    EXPECT_EQ(moved->left, 1u);
    EXPECT_FALSE(journal.pending()) << "committed before any file is deleted";
  }
  EXPECT_FALSE(std::filesystem::exists(legacy_path(root, ha)));
  EXPECT_FALSE(std::filesystem::exists(legacy_path(root, hb).string() + ".tmp"));
  EXPECT_TRUE(std::filesystem::exists(legacy_path(root, hc))) << "left for its operator";
  Journal journal = at.open();
  ResultStore store(journal);
  auto back = store.get(ha);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, kA);
  EXPECT_FALSE(*store.contains(hb));
  EXPECT_FALSE(*store.contains(hc));
  std::filesystem::remove(legacy_path(root, hc));
  auto again = store.move_files_into_journal(root.string());
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->moved + again->left, 0u);
  EXPECT_FALSE(std::filesystem::exists(root)) << "an emptied directory goes too";
}

}  // namespace
}  // namespace seedgrid::coordinator::testing
