#include "runtime/gateway/request_journal.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/unit/common/test_dir.hpp"

namespace seedgrid::gateway {
namespace {

namespace fs = std::filesystem;

struct RequestJournalTest : ::testing::Test {
  test::TestDir dir;
  std::string file = dir / "requests.sqlite";
};

KeptRequest kept(const std::string& id, std::int64_t created) {
  KeptRequest k;
  k.id = id;
  k.owner = "alice";
  k.created_unix = created;
  k.model_name = "tiny";
  k.labels = {{"horde.r2", "false"}};
  k.coordinator = Identity::from_seed({7}).public_key();
  return k;
}

TEST_F(RequestJournalTest, KeepsWhatAReopenedGatewayNeedsUntilForgotten) {
  {
    auto journal = RequestJournal::open(file);
    ASSERT_TRUE(journal) << journal.error().message;
    EXPECT_EQ((*journal)->start_number(), 1u);
    ASSERT_TRUE((*journal)->keep(kept("r2", 200)));
    ASSERT_TRUE((*journal)->keep(kept("r1", 100)));
    ASSERT_TRUE((*journal)->keep(kept("r3", 300)));
    ASSERT_TRUE((*journal)->forget("r3"));
    ASSERT_TRUE((*journal)->forget("never-kept")) << "forgetting twice is no error";
  }
  auto journal = RequestJournal::open(file);
  ASSERT_TRUE(journal) << journal.error().message;
  EXPECT_EQ((*journal)->start_number(), 2u) << "each open is a start of its own";
  auto loaded = (*journal)->load();
  ASSERT_TRUE(loaded) << loaded.error().message;
  ASSERT_EQ(loaded->size(), 2u);
  EXPECT_EQ((*loaded)[0].id, "r1") << "oldest first";
  EXPECT_EQ((*loaded)[1].id, "r2");
  const auto& r1 = (*loaded)[0];
  EXPECT_EQ(r1.owner, "alice");
  EXPECT_EQ(r1.created_unix, 100);
  EXPECT_EQ(r1.model_name, "tiny");
  EXPECT_EQ(r1.labels, (std::map<std::string, std::string>{{"horde.r2", "false"}}));
  EXPECT_EQ(r1.coordinator, Identity::from_seed({7}).public_key());
  // Kept again (a second acknowledgement): one row, the last word.
  auto again = kept("r1", 100);
  again.model_name = "other";
  ASSERT_TRUE((*journal)->keep(again));
  loaded = (*journal)->load();
  ASSERT_TRUE(loaded);
  ASSERT_EQ(loaded->size(), 2u);
  EXPECT_EQ((*loaded)[0].model_name, "other");
}

// Two gateways whose users files share a folder would share the journal beside them: the second
// is refused, naming the file and what to do.
TEST_F(RequestJournalTest, OneGatewayAtATimeOwnsTheFile) {
  auto first = RequestJournal::open(file);
  ASSERT_TRUE(first) << first.error().message;
  auto second = RequestJournal::open(file);
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message.find("the gateway's request journal " + file), std::string::npos)
      << second.error().message;
  EXPECT_NE(second.error().message.find("its own folder for its users file"), std::string::npos)
      << second.error().message;
  first->reset();
  EXPECT_TRUE(RequestJournal::open(file)) << "the file is free once its owner closed it";
}

TEST_F(RequestJournalTest, AFileThatIsNotADatabaseIsRefusedNamingIt) {
  fs::create_directories(file);  // a directory where the file should be
  auto journal = RequestJournal::open(file);
  ASSERT_FALSE(journal);
  EXPECT_NE(journal.error().message.find("request journal"), std::string::npos)
      << journal.error().message;
}

}  // namespace
}  // namespace seedgrid::gateway
