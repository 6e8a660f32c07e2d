// BLAKE2b-256 (hash.hpp): our own implementation gives libsodium's bytes at every length and
// however the input is split, and hex in and out.
#include <gtest/gtest.h>
#include <sodium.h>

#include <cstdint>
#include <random>
#include <vector>

#include "runtime/base/crypto/hash.hpp"

using namespace seedgrid;

namespace {

// Bytes no run of which repeats within a block, so a misplaced word changes the digest.
std::vector<std::uint8_t> sample_bytes(std::size_t n) {
  std::vector<std::uint8_t> bytes(n);
  std::mt19937_64 rng(7693);
  for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
  return bytes;
}

Digest sodium_blake2b(std::span<const std::uint8_t> bytes) {
  Digest d{};
  EXPECT_EQ(sodium_init() < 0, false);
  crypto_generichash(d.data(), d.size(), bytes.data(), bytes.size(), nullptr, 0);
  return d;
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

// Every length over eight blocks: the one-block, block-boundary and last-block paths, and the
// padding of every partial block.
TEST(Blake2b, GivesLibsodiumsDigestAtEveryLength) {
  const auto bytes = sample_bytes(8 * 128 + 1);
  for (std::size_t n = 0; n <= bytes.size(); ++n) {
    const std::span<const std::uint8_t> first(bytes.data(), n);
    ASSERT_EQ(to_hex(blake2b(first)), to_hex(sodium_blake2b(first))) << "length " << n;
  }
}

// The sizes hashed per job: a 64 x 64 and a 512 x 512 image.
TEST(Blake2b, GivesLibsodiumsDigestForImages) {
  for (std::size_t n : {std::size_t{64 * 64 * 3}, std::size_t{512 * 512 * 3}}) {
    const auto bytes = sample_bytes(n);
    EXPECT_EQ(to_hex(blake2b(bytes)), to_hex(sodium_blake2b(bytes))) << n << " bytes";
  }
}

// A full block is held back until more follows (only the last is flagged): splits at and
// around block boundaries, empty updates and one byte at a time all give the one-shot digest.
TEST(Blake2b, AnySplitOfTheInputGivesTheSameDigest) {
  const auto bytes = sample_bytes(1000);
  const Digest whole = blake2b(bytes);
  for (std::size_t cut : {0, 1, 127, 128, 129, 255, 256, 257, 999, 1000}) {
    Blake2b h;
    h.update(std::span(bytes.data(), cut)).update(std::span<const std::uint8_t>());
    h.update(std::span(bytes.data() + cut, bytes.size() - cut));
    EXPECT_EQ(h.finish(), whole) << "cut at " << cut;
  }
  Blake2b byte_by_byte;
  for (auto b : bytes) byte_by_byte.update(std::span(&b, 1));
  EXPECT_EQ(byte_by_byte.finish(), whole);
  std::mt19937 rng(128);
  Blake2b random_pieces;
  for (std::size_t at = 0; at < bytes.size();) {
    const std::size_t piece = std::min<std::size_t>(rng() % 300, bytes.size() - at);
    random_pieces.update(std::span(bytes.data() + at, piece));
    at += piece;
  }
  EXPECT_EQ(random_pieces.finish(), whole);
}

TEST(Blake2b, IntegersAreHashedLittleEndian) {
  const std::uint8_t le[8] = {0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01};
  EXPECT_EQ(Blake2b().update_u64(0x0102030405060708ULL).finish(),
            blake2b(std::span<const std::uint8_t>(le, 8)));
}

TEST(Blake2b, FirstWordIsTheDigestsFirstEightBytesLittleEndian) {
  Digest d{};
  for (std::size_t i = 0; i < d.size(); ++i) d[i] = static_cast<std::uint8_t>(0x10 + i);
  EXPECT_EQ(first_word(d), 0x1716151413121110ULL);
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
