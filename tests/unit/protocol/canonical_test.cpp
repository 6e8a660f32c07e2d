#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "runtime/base/protocol/canonical.hpp"

namespace seedgrid::protocol {
namespace {

TEST(Canonical, FixedWidthLittleEndianWithDomainPrefix) {
  CanonicalWriter w("d");
  w.u32(0x01020304).u8(7).boolean(true).str("ab");
  const std::vector<std::uint8_t> expected{1, 0, 0, 0, 0, 0, 0, 0, 'd',  // domain, length-prefixed
                                           4, 3, 2, 1, 7, 1,             // u32, u8, bool
                                           2, 0, 0, 0, 0, 0, 0, 0, 'a', 'b'};
  EXPECT_EQ(w.encoded(), expected);
}

TEST(Canonical, FloatsEncodeTheirBits) {
  CanonicalWriter a("f"), b("f");
  a.f32(0.0f);
  b.f32(-0.0f);
  EXPECT_NE(a.encoded(), b.encoded());
}

TEST(Canonical, LengthPrefixesKeepFieldBoundaries) {
  // "ab" + "c" and "a" + "bc" must not encode alike.
  CanonicalWriter a("x"), b("x");
  a.str("ab").str("c");
  b.str("a").str("bc");
  EXPECT_NE(a.digest(), b.digest());
}

TEST(Canonical, DomainSeparatesOtherwiseEqualContent) {
  CanonicalWriter a("seedgrid/a"), b("seedgrid/b");
  a.u64(1);
  b.u64(1);
  EXPECT_NE(a.digest(), b.digest());
}

TEST(CanonicalReader, ReadsBackEveryKindOfField) {
  CanonicalWriter w("r");
  w.u8(200).u32(0xdeadbeef).u64(1ull << 40).i64(-5).boolean(true).f32(-0.0f).str("héllo");
  const std::array<std::uint8_t, 3> fixed{1, 2, 3};
  w.fixed(fixed).bytes(std::vector<std::uint8_t>{9, 8});
  CanonicalReader in(w.encoded());
  EXPECT_EQ(in.str("domain"), "r");
  EXPECT_EQ(in.u8("a"), 200);
  EXPECT_EQ(in.u32("b"), 0xdeadbeefu);
  EXPECT_EQ(in.u64("c"), 1ull << 40);
  EXPECT_EQ(in.i64("d"), -5);
  EXPECT_TRUE(in.boolean("e"));
  const float f = in.f32("f");
  EXPECT_TRUE(f == 0.0f && std::signbit(f)) << "the bits come back, the sign of zero included";
  EXPECT_EQ(in.str("g"), "héllo");
  EXPECT_EQ((in.fixed<3>("h")), fixed);
  EXPECT_EQ(in.bytes("i"), (std::vector<std::uint8_t>{9, 8}));
  EXPECT_TRUE(in.finish());
}

TEST(CanonicalReader, AShortInputNamesTheFieldAndWhereItStopped) {
  CanonicalWriter w("r");
  w.u32(7);
  const auto cut = std::vector<std::uint8_t>(w.encoded().begin(), w.encoded().end() - 1);
  CanonicalReader in(cut);
  EXPECT_EQ(in.str("domain"), "r");
  EXPECT_EQ(in.u32("attempt"), 0u);
  EXPECT_EQ(in.u64("later"), 0u) << "reads after the first error give zero";
  auto done = in.finish();
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().message, "attempt at byte 9: needs 4 bytes, 3 are left");
}

TEST(CanonicalReader, ACountLargerThanTheInputIsRefusedBeforeAnythingIsAllocated) {
  CanonicalWriter w("r");
  w.u64(std::uint64_t{1} << 60).u32(1);
  CanonicalReader in(w.encoded());
  in.str("domain");
  EXPECT_TRUE(in.bytes("latent").empty());
  auto done = in.finish();
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().message, "latent at byte 9: a count of " +
                                      std::to_string(std::uint64_t{1} << 60) +
                                      " does not fit in the 4 bytes left");
}

TEST(CanonicalReader, ABooleanIsZeroOrOne) {
  CanonicalWriter w("r");
  w.u8(2);
  CanonicalReader in(w.encoded());
  in.str("domain");
  in.boolean("karras");
  auto done = in.finish();
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().message, "karras at byte 9: a boolean is 0 or 1, not 2");
}

TEST(CanonicalReader, BytesLeftOverAreAnError) {
  CanonicalWriter w("r");
  w.u32(1).u8(0);
  CanonicalReader in(w.encoded());
  in.str("domain");
  in.u32("a");
  auto done = in.finish();
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().message, "1 byte is left over after the last field, at byte 13");
}

}  // namespace
}  // namespace seedgrid::protocol
