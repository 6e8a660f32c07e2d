#include "models/weights/sha256.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "models/weights/sha256_compress.hpp"

using namespace seedgrid;

// FIPS 180-2 appendix B and the NIST example vectors.
TEST(Sha256, FipsVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(
      sha256_hex(
          "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklm"
          "nopqrlmnopqrsmnopqrstnopqrstu"),
      "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, IncrementalUpdatesMatchOneShot) {
  std::string data;
  for (int i = 0; i < 1000; ++i) data.push_back(static_cast<char>(i * 7 + 3));
  const std::string expected = sha256_hex(data);
  for (std::size_t chunk : {1u, 3u, 55u, 56u, 63u, 64u, 65u, 127u, 999u}) {
    Sha256 h;
    for (std::size_t at = 0; at < data.size(); at += chunk)
      h.update(std::string_view(data).substr(at, chunk));
    const auto d = h.finish();
    EXPECT_EQ(to_lower_hex(d), expected) << "chunk " << chunk;
  }
}

// Both compression functions agree (the FIPS vectors above run through whichever Sha256 picked).
TEST(Sha256, AcceleratedAndPortableCompressionAgree) {
  std::vector<std::uint8_t> blocks(64 * 37);
  std::uint32_t x = 12345;
  for (auto& b : blocks) {
    x = x * 1664525u + 1013904223u;
    b = static_cast<std::uint8_t>(x >> 24);
  }
  const sha256_detail::State initial{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                     0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  sha256_detail::State portable = initial, accelerated = initial;
  sha256_detail::compress_portable(portable, blocks.data(), 37);
  if (!sha256_detail::compress_accelerated(accelerated, blocks.data(), 37))
    GTEST_SKIP() << "this CPU has no SHA extensions";
  EXPECT_EQ(portable, accelerated);
}
