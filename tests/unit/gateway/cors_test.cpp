#include "runtime/gateway/cors.hpp"

#include <gtest/gtest.h>

namespace seedgrid::gateway {
namespace {

TEST(Cors, AnyOriginByDefaultNamedOnesWhenListedNoneWhenEmpty) {
  const std::vector<std::string> any{"*"}, named{"https://app.example", "http://localhost:3000"},
      none{};
  EXPECT_EQ(allowed_origin(any, "https://elsewhere.example"), "*");
  EXPECT_EQ(allowed_origin(any, ""), std::nullopt) << "not a cross-origin request";
  EXPECT_EQ(allowed_origin(named, "http://localhost:3000"), "http://localhost:3000");
  EXPECT_EQ(allowed_origin(named, "https://evil.example"), std::nullopt);
  EXPECT_EQ(allowed_origin(none, "https://app.example"), std::nullopt);
  HttpResponse r;
  allow_cross_origin(r, named, "https://app.example");
  EXPECT_EQ(r.header("Access-Control-Allow-Origin"), "https://app.example");
  EXPECT_EQ(r.header("Vary"), "Origin") << "caches keep each origin's answer apart";
  EXPECT_NE(r.header("Access-Control-Expose-Headers").find("Location"), std::string::npos);
  HttpResponse refused;
  allow_cross_origin(refused, named, "https://evil.example");
  EXPECT_TRUE(refused.headers.empty());
}

TEST(Cors, APreflightNamesTheMethodsAndTheApiKeyHeader) {
  const auto r = preflight({"*"}, "https://app.example");
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.header("Access-Control-Allow-Origin"), "*");
  EXPECT_NE(r.header("Access-Control-Allow-Methods").find("POST"), std::string::npos);
  EXPECT_NE(r.header("Access-Control-Allow-Headers").find("apikey"), std::string::npos);
  EXPECT_NE(r.header("Access-Control-Allow-Headers").find("content-type"), std::string::npos);
  const auto other = preflight({"https://app.example"}, "https://evil.example");
  EXPECT_EQ(other.status, 204);
  EXPECT_EQ(other.header("Access-Control-Allow-Origin"), "") << "the browser then refuses";
  EXPECT_NE(other.header("Allow").find("GET"), std::string::npos);
}

}  // namespace
}  // namespace seedgrid::gateway
