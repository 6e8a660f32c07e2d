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
