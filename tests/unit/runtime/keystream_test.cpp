#include "runtime/base/crypto/keystream.hpp"

#include <gtest/gtest.h>

namespace seedgrid {
namespace {

// RFC 7539, appendix A.1, test vector #1 (all-zero key, nonce and block counter): the instant
// task's pixels are plain ChaCha20, reproducible by any implementation.
TEST(Keystream, IsChaCha20) {
  const auto bytes = keystream(Digest{}, 32);
  EXPECT_EQ(to_hex(bytes), "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7");
}

TEST(Keystream, AShorterStreamIsAPrefixAndAnotherKeyAnotherStream) {
  const Digest key = blake2b(std::string_view("key"));
  const auto long_stream = keystream(key, 12'288);
  const auto short_stream = keystream(key, 100);
  ASSERT_EQ(long_stream.size(), 12'288u);
  EXPECT_TRUE(std::equal(short_stream.begin(), short_stream.end(), long_stream.begin()));
  EXPECT_NE(keystream(blake2b(std::string_view("other")), 100), short_stream);
  EXPECT_TRUE(keystream(key, 0).empty());
}

}  // namespace
}  // namespace seedgrid
