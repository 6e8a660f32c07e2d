#include <gtest/gtest.h>

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

}  // namespace
}  // namespace seedgrid::protocol
