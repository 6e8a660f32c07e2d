#include "actors/treasury/units.hpp"

#include <gtest/gtest.h>

using namespace seedgrid::treasury;

TEST(Units, FormatsMicrosExactly) {
  EXPECT_EQ(format_micros(0), "0.000000");
  EXPECT_EQ(format_micros(1), "0.000001");
  EXPECT_EQ(format_micros(1'500'000), "1.500000");
  EXPECT_EQ(format_micros(-2'000'001), "-2.000001");
  EXPECT_EQ(format_micros(INT64_MIN), "-9223372036854.775808");
  EXPECT_EQ(format_fixed(43'200, 3), "43.200");
}

TEST(Units, ParsesAmounts) {
  EXPECT_EQ(parse_micros("1.5").value(), 1'500'000);
  EXPECT_EQ(parse_micros("12").value(), 12'000'000);
  EXPECT_EQ(parse_micros(".25").value(), 250'000);
  EXPECT_EQ(parse_micros("0.000001").value(), 1);
  EXPECT_EQ(parse_micros("-3.1").value(), -3'100'000);
  EXPECT_EQ(parse_fixed("43.2", 3).value(), 43'200);
}

TEST(Units, RejectsMalformedAmounts) {
  for (const char* bad : {"", "-", ".", "1.0000001", "1e6", "1,5", "abc", "99999999999999999999"}) {
    auto r = parse_micros(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_NE(r.error().message.find(bad), std::string::npos) << r.error().message;
  }
}
