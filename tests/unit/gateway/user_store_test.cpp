#include "runtime/gateway/user_store.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "tests/unit/common/test_dir.hpp"

namespace seedgrid::gateway {
namespace {

struct UserStoreTest : ::testing::Test {
  test::TestDir dir;
  std::string file = dir / "users.json";
};

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), {}};
}

TEST_F(UserStoreTest, AddUserKeepsOnlyTheHashInAPrivateFile) {
  auto added = add_user(file, "alice");
  ASSERT_TRUE(added) << added.error().message;
  EXPECT_EQ(added->api_key.rfind("sg-", 0), 0u);
  EXPECT_EQ(added->api_key.size(), 3u + 32u);
  const auto text = read_all(file);
  EXPECT_EQ(text.find(added->api_key), std::string::npos);
  EXPECT_NE(text.find(api_key_hash(added->api_key)), std::string::npos);
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir / "keys/alice.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(UserStoreTest, FindsTheUserOfAKeyAndNobodyForOthers) {
  auto alice = add_user(file, "alice");
  auto bob = add_user(file, "bob");
  ASSERT_TRUE(alice && bob);
  auto store = UserStore::open(file);
  ASSERT_TRUE(store) << store.error().message;
  auto found = (*store)->find(alice->api_key);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->name, "alice");
  EXPECT_EQ(found->account(), "user:" + alice->user.key->node_id());
  EXPECT_EQ((*store)->find(bob->api_key)->name, "bob");
  EXPECT_FALSE((*store)->find("sg-00000000000000000000000000000000"));
  EXPECT_FALSE((*store)->find(""));
}

TEST_F(UserStoreTest, SeesUsersAddedAfterItOpened) {
  ASSERT_TRUE(add_user(file, "alice"));
  auto store = UserStore::open(file);
  ASSERT_TRUE(store);
  auto carol = add_user(file, "carol");
  ASSERT_TRUE(carol);
  auto found = (*store)->find(carol->api_key);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->name, "carol");
}

TEST_F(UserStoreTest, RefusesDuplicateAndBadNames) {
  ASSERT_TRUE(add_user(file, "alice"));
  auto again = add_user(file, "alice");
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("already exists"), std::string::npos);
  for (const char* bad : {"", "a b", "../x", "名前", "012345678901234567890123456789012"}) {
    auto r = add_user(file, bad);
    EXPECT_FALSE(r) << bad;
  }
}

TEST_F(UserStoreTest, ANewKeyReplacesTheOldOneAndKeepsTheAccount) {
  auto first = add_user(file, "alice");
  ASSERT_TRUE(first);
  auto second = issue_api_key(file, "alice");
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_NE(first->api_key, second->api_key);
  EXPECT_EQ(first->user.account(), second->user.account());
  auto store = UserStore::open(file);
  ASSERT_TRUE(store);
  EXPECT_FALSE((*store)->find(first->api_key));
  EXPECT_TRUE((*store)->find(second->api_key));
}

TEST_F(UserStoreTest, RefusesAUsersFileOthersCanRead) {
  ASSERT_TRUE(add_user(file, "alice"));
  ::chmod(file.c_str(), 0644);
  auto store = UserStore::open(file);
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find("0600"), std::string::npos);
}

}  // namespace
}  // namespace seedgrid::gateway
