#include <gtest/gtest.h>
#include <sodium.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "runtime/base/crypto/hash.hpp"
#include "runtime/base/crypto/identity.hpp"

using namespace seedgrid;

namespace {
std::filesystem::path temp_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("seedgrid-crypto-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}
}  // namespace

TEST(Blake2b, MatchesPublishedVector) {
  // BLAKE2b-256 of the empty string (RFC 7693 parameters, 32-byte output).
  EXPECT_EQ(to_hex(blake2b(std::string_view(""))),
            "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
  EXPECT_EQ(to_hex(blake2b(std::string_view("abc"))),
            "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
}

TEST(Blake2b, StreamingEqualsOneShot) {
  Blake2b h;
  h.update(std::string_view("seed")).update(std::string_view("grid"));
  EXPECT_EQ(h.finish(), blake2b(std::string_view("seedgrid")));
}

TEST(Hex, RoundTripAndErrors) {
  const Digest d = blake2b(std::string_view("x"));
  auto back = digest_from_hex(to_hex(d));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, d);
  auto bad = from_hex("0g");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("'0g'"), std::string::npos) << bad.error().message;
  EXPECT_FALSE(from_hex("abc").has_value());
  EXPECT_FALSE(digest_from_hex("abcd").has_value());
}

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
  const auto dir = temp_dir("keyfile");
  const std::string path = (dir / "keys" / "node.key").string();
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
  std::filesystem::remove_all(dir);
}

TEST(Identity, RefusesReadableOrMalformedKeyFile) {
  const auto dir = temp_dir("badkey");
  const std::string path = (dir / "node.key").string();
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
  EXPECT_FALSE(Identity::load((dir / "missing.key").string()).has_value());
  std::filesystem::remove_all(dir);
}
