#include "runtime/base/crypto/base64.hpp"

#include <gtest/gtest.h>

namespace seedgrid {
namespace {

// RFC 4648, section 10.
TEST(Base64, EncodesTheRfcVectorsAndDecodesThemBack) {
  const std::vector<std::pair<std::string, std::string>> vectors = {
      {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},        {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    const std::vector<std::uint8_t> bytes(plain.begin(), plain.end());
    EXPECT_EQ(base64_of(bytes), encoded) << plain;
    EXPECT_EQ(bytes_of_base64(encoded), std::optional(bytes)) << encoded;
  }
}

// The encoder is our own (base64.cpp) and the decoder libsodium's: every length around the
// three-byte groups, and every byte value in each place of a group, goes there and back.
TEST(Base64, EveryLengthAndByteValueDecodesBackToTheBytes) {
  std::vector<std::uint8_t> bytes;
  for (std::size_t n = 0; n < 70; ++n) {
    const std::string text = base64_of(bytes);
    EXPECT_EQ(text.size(), (n + 2) / 3 * 4) << n;
    EXPECT_EQ(bytes_of_base64(text), std::optional(bytes)) << n << ": " << text;
    bytes.push_back(static_cast<std::uint8_t>(n * 37 + 11));
  }
  std::vector<std::uint8_t> all(256 * 3);
  for (std::size_t i = 0; i < all.size(); ++i)
    all[i] = static_cast<std::uint8_t>(i % 3 == 0 ? i / 3 : i % 3 == 1 ? 255 - i / 3 : i / 3 * 7);
  EXPECT_EQ(bytes_of_base64(base64_of(all)), std::optional(all));
  EXPECT_EQ(base64_of(std::vector<std::uint8_t>{0xff, 0xff, 0xfe}), "///+");
  EXPECT_EQ(base64_of(std::vector<std::uint8_t>{0xfb, 0xf0}), "+/A=");
}

TEST(Base64, RefusesTextThatDoesNotDecodeToItsEndUnlessTheCharactersAreIgnored) {
  EXPECT_FALSE(bytes_of_base64("Zm9v!"));
  EXPECT_FALSE(bytes_of_base64("Zm9vYg"));  // padding missing
  EXPECT_FALSE(bytes_of_base64("Zm9v\r\nYmFy"));
  const auto pasted = bytes_of_base64("Zm9v\r\nYmFy", " \r\n");
  ASSERT_TRUE(pasted);
  EXPECT_EQ(std::string(pasted->begin(), pasted->end()), "foobar");
}

}  // namespace
}  // namespace seedgrid
