#include "runtime/gateway/http_message.hpp"

#include <gtest/gtest.h>

namespace seedgrid::gateway {
namespace {

TEST(HttpMessage, DecodesPercentEscapesAndKeepsBadOnes) {
  EXPECT_EQ(percent_decode("a%20b"), "a b");
  EXPECT_EQ(percent_decode("a+b"), "a+b");
  EXPECT_EQ(percent_decode("a+b", true), "a b");
  EXPECT_EQ(percent_decode("100%"), "100%");
  EXPECT_EQ(percent_decode("%zz"), "%zz");
  EXPECT_EQ(percent_decode("%4"), "%4");
}

TEST(HttpMessage, ParsesQueries) {
  auto q = parse_query("type=image&min_count=1&flag&x=a%26b&type=text");
  EXPECT_EQ(q["type"], "text");
  EXPECT_EQ(q["min_count"], "1");
  EXPECT_EQ(q["flag"], "");
  EXPECT_EQ(q["x"], "a&b");
  EXPECT_TRUE(parse_query("").empty());
}

}  // namespace
}  // namespace seedgrid::gateway
