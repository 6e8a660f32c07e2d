// SecretBox: text a node keeps at rest, sealed with a key of its own file.
#include "runtime/base/crypto/secret_box.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <array>
#include <filesystem>
#include <set>

#include "runtime/base/crypto/base64.hpp"
#include "runtime/base/crypto/hash.hpp"
#include "tests/unit/common/test_dir.hpp"

using namespace seedgrid;

namespace {

namespace fs = std::filesystem;

TEST(SecretBox, SealsSoOnlyItsKeyOpensAndTheTextIsNotInTheSealedForm) {
  const test::TestDir dir;
  const std::string key = dir / "keys/prompts.key";
  auto box = SecretBox::load_or_create(key);
  ASSERT_TRUE(box) << box.error().message;
  struct stat st {};
  ASSERT_EQ(::stat(key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "created owner-only";

  const std::string prompt = "a lighthouse at dusk, oil on canvas";
  const std::string sealed = box->seal(prompt);
  EXPECT_TRUE(SecretBox::is_sealed(sealed));
  EXPECT_EQ(sealed.find("lighthouse"), std::string::npos);
  EXPECT_NE(box->seal(prompt), sealed) << "a fresh nonce each time";
  auto opened = box->open(sealed);
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_EQ(*opened, prompt);

  auto again = SecretBox::load_or_create(key);  // the same key, read back
  ASSERT_TRUE(again);
  EXPECT_EQ(again->open(sealed).value_or(""), prompt);

  auto other = SecretBox::load_or_create(dir / "other.key");
  ASSERT_TRUE(other);
  auto refused = other->open(sealed);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("does not open with this key"), std::string::npos);

  std::string changed = sealed;
  char& c = changed[changed.size() / 2];
  c = c == 'A' ? 'B' : 'A';
  EXPECT_FALSE(box->open(changed)) << "a changed byte fails the tag";
  EXPECT_FALSE(box->open("sgbox2:not base64!")) << "a body that does not decode";
  EXPECT_FALSE(box->open("plain text"));
  EXPECT_EQ(box->open(box->seal("")).value_or("x"), "");
}

// Journals written before base64 hold "sgbox1:" and hex: those still open.
// The nonce a seal chose: the first 24 bytes of what follows the prefix.
std::string nonce_of(const std::string& sealed) {
  const auto raw = bytes_of_base64(std::string_view(sealed).substr(std::string("sgbox2:").size()));
  if (!raw || raw->size() < 24) return {};
  return std::string(raw->begin(), raw->begin() + 24);
}

TEST(SecretBox, NoTwoSealsUnderOneKeyShareANonceAcrossCopiesAndLoads) {
  const test::TestDir dir;
  const std::string key = dir / "prompts.key";
  auto box = SecretBox::load_or_create(key);
  auto reloaded = SecretBox::load_or_create(key);  // another process, or a restart
  ASSERT_TRUE(box && reloaded);
  const SecretBox copy = *box;
  std::set<std::string> nonces;
  std::size_t sealed = 0;
  const std::array<const SecretBox*, 3> boxes{&*box, &copy, &*reloaded};
  for (int i = 0; i < 500; ++i)
    for (const SecretBox* b : boxes) {
      const std::string text = b->seal("the same prompt");
      ASSERT_EQ(reloaded->open(text).value_or(""), "the same prompt");
      nonces.insert(nonce_of(text));
      ++sealed;
    }
  EXPECT_EQ(nonces.size(), sealed);
  EXPECT_EQ(nonces.count(std::string()), 0u);
}

TEST(SecretBox, TextSealedInTheEarlierHexFormStillOpens) {
  const test::TestDir dir;
  auto box = SecretBox::load_or_create(dir / "prompts.key");
  ASSERT_TRUE(box) << box.error().message;
  const std::string sealed = box->seal("a harbour in fog");
  ASSERT_TRUE(sealed.starts_with("sgbox2:"));
  // The same nonce and ciphertext, written as hex.
  const auto raw = bytes_of_base64(std::string_view(sealed).substr(7));
  ASSERT_TRUE(raw);
  const std::string hex = "sgbox1:" + to_hex(*raw);
  EXPECT_TRUE(SecretBox::is_sealed(hex));
  EXPECT_EQ(box->open(hex).value_or(""), "a harbour in fog");
  EXPECT_LT(sealed.size(), hex.size()) << "base64 is the shorter form";
}

TEST(SecretBox, AKeyFileOthersCanReadIsRefusedWithTheFix) {
  const test::TestDir dir;
  const std::string key = dir / "prompts.key";
  ASSERT_TRUE(SecretBox::load_or_create(key));
  fs::permissions(key, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  auto refused = SecretBox::load_or_create(key);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("has mode 0640"), std::string::npos)
      << refused.error().message;
  EXPECT_NE(refused.error().message.find("chmod 600"), std::string::npos);
}

}  // namespace
