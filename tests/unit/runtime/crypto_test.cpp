#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "runtime/base/crypto/identity.hpp"
#include "tests/unit/common/test_dir.hpp"

using namespace seedgrid;

TEST(Identity, SignAndVerify) {
  const Identity a = Identity::generate();
  const Identity b = Identity::generate();
  const Signature sig = a.sign(std::string_view("job 7 result"));
  EXPECT_TRUE(verify_signature(a.public_key(), std::string_view("job 7 result"), sig));
  EXPECT_FALSE(verify_signature(a.public_key(), std::string_view("job 8 result"), sig));
  EXPECT_FALSE(verify_signature(b.public_key(), std::string_view("job 7 result"), sig));
  EXPECT_EQ(a.node_id().size(), 64u);
}

TEST(Identity, SeedIsDeterministic) {
  std::array<std::uint8_t, 32> seed{};
  seed[0] = 7;
  EXPECT_EQ(Identity::from_seed(seed).node_id(), Identity::from_seed(seed).node_id());
}

TEST(Identity, KeyFileCreatedWithMode0600AndReloaded) {
  const test::TestDir dir;
  const std::string path = (dir.path() / "keys" / "node.key").string();
  auto created = Identity::load_or_create(path);
  ASSERT_TRUE(created.has_value()) << created.error().message;
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // The directory it made holds secrets too: nobody else may list or enter it.
  ASSERT_EQ(::stat((dir / "keys").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  auto loaded = Identity::load_or_create(path);
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
  EXPECT_EQ(loaded->node_id(), created->node_id());
  EXPECT_FALSE(created->save(path).has_value()) << "must refuse to overwrite an identity";
}

TEST(Identity, RefusesReadableOrMalformedKeyFile) {
  const test::TestDir dir;
  const std::string path = dir / "node.key";
  ASSERT_TRUE(Identity::generate().save(path).has_value());
  ::chmod(path.c_str(), 0644);
  auto loose = Identity::load(path);
  ASSERT_FALSE(loose.has_value());
  EXPECT_NE(loose.error().message.find("0644"), std::string::npos) << loose.error().message;
  ::chmod(path.c_str(), 0600);
  { std::ofstream(path) << "not a key\n"; }
  auto garbled = Identity::load(path);
  ASSERT_FALSE(garbled.has_value());
  EXPECT_NE(garbled.error().message.find(path), std::string::npos);
  EXPECT_FALSE(Identity::load(dir / "missing.key").has_value());
}
