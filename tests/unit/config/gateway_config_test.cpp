// The gateway section: defaults, limits checked with their JSON path, and a coordinator address
// required unless the node holds the coordinator.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/node_config.hpp"

namespace seedgrid::config {
namespace {

std::string error_of(std::string_view text) {
  auto c = parse_node_config(text, "test.json");
  EXPECT_FALSE(c.has_value()) << "expected a refusal of:\n" << text;
  return c ? std::string() : c.error().message;
}

TEST(GatewayConfig, ParsesAGatewayNodeWithDefaults) {
  auto c = parse_node_config(R"({"roles": ["gateway"], "node": {"key_file": "k.key"},
    "gateway": {"coordinator": {"host": "10.0.0.1", "port": 7400}, "users_file": "users.json",
                "listen": {"host": "0.0.0.0", "port": 8080}, "requests_per_second": 5}})",
                             "test.json", "/etc/seedgrid");
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_TRUE(c->gateway);
  EXPECT_EQ(c->gateway->listen.port, 8080);
  EXPECT_EQ(c->gateway->coordinator->host, "10.0.0.1");
  EXPECT_EQ(c->gateway->users_file, "/etc/seedgrid/users.json");
  EXPECT_EQ(c->gateway->requests_per_second, 5u);
  EXPECT_EQ(c->gateway->max_body_bytes, 1u << 20);
  EXPECT_FALSE(c->gateway->anonymous);
  EXPECT_EQ(c->gateway->cors_origins, std::vector<std::string>{"*"}) << "as AI Horde's API";
}

TEST(GatewayConfig, CorsOriginsAreOriginsABrowserSends) {
  auto c = parse_node_config(R"({"roles": ["gateway"], "node": {"key_file": "k"},
    "gateway": {"coordinator": {"host": "h", "port": 1}, "users_file": "u.json",
                "cors_origins": ["https://app.example", "http://localhost:3000"]}})",
                             "test.json");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->gateway->cors_origins,
            (std::vector<std::string>{"https://app.example", "http://localhost:3000"}));
  const auto e = error_of(R"({"roles": ["gateway"], "node": {"key_file": "k"},
    "gateway": {"coordinator": {"host": "h", "port": 1}, "users_file": "u.json",
                "cors_origins": ["https://app.example/studio", "app.example", 3]}})");
  EXPECT_NE(e.find("$.gateway.cors_origins[0]"), std::string::npos) << e;
  EXPECT_NE(e.find("\"https://app.example/studio\""), std::string::npos) << e;
  EXPECT_NE(e.find("$.gateway.cors_origins[1]"), std::string::npos) << e;
  EXPECT_NE(e.find("$.gateway.cors_origins[2]"), std::string::npos) << e;
  EXPECT_NE(error_of(R"({"roles": ["gateway"], "node": {"key_file": "k"},
    "gateway": {"coordinator": {"host": "h", "port": 1}, "users_file": "u.json",
                "cors_origins": "*"}})")
                .find("expected an array"),
            std::string::npos);
}

// The base of the image links behind a proxy: a scheme, host and port, nothing else.
TEST(GatewayConfig, APublicUrlIsAnOriginWithNoPath) {
  auto c = parse_node_config(R"({"roles": ["gateway"], "node": {"key_file": "k"},
    "gateway": {"coordinator": {"host": "h", "port": 1}, "users_file": "u.json",
                "public_url": "https://images.example.org"}})",
                             "test.json");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->gateway->public_url, "https://images.example.org");
  for (const char* bad : {"https://images.example.org/v1", "images.example.org", "*"}) {
    const auto e = error_of(std::string(R"({"roles": ["gateway"], "node": {"key_file": "k"},
    "gateway": {"coordinator": {"host": "h", "port": 1}, "users_file": "u.json",
                "public_url": ")") +
                            bad + "\"}}");
    EXPECT_NE(e.find("$.gateway.public_url"), std::string::npos) << bad << ": " << e;
  }
}

TEST(GatewayConfig, NeedsACoordinatorUnlessTheNodeHoldsIt) {
  const auto e = error_of(R"({"roles": ["gateway"], "node": {"key_file": "k"},
    "gateway": {"users_file": "u.json"}})");
  EXPECT_NE(e.find("$.gateway.coordinator"), std::string::npos) << e;
}

TEST(GatewayConfig, LimitsAreCheckedWithTheirPath) {
  const auto e = error_of(R"({"roles": ["gateway"], "node": {"key_file": "k"},
    "gateway": {"coordinator": {"host": "h", "port": 1}, "users_file": "u.json",
                "max_body_bytes": 10, "threads": 0, "colour": "red"}})");
  EXPECT_NE(e.find("$.gateway.max_body_bytes"), std::string::npos) << e;
  EXPECT_NE(e.find("$.gateway.threads"), std::string::npos) << e;
  EXPECT_NE(e.find("$.gateway.colour: unknown key"), std::string::npos) << e;
}

TEST(GatewayConfig, AnonymousNeedsAPayer) {
  const auto e = error_of(R"({"roles": ["gateway"], "node": {"key_file": "k"},
    "gateway": {"coordinator": {"host": "h", "port": 1}, "users_file": "u.json",
                "anonymous": true}})");
  EXPECT_NE(e.find("$.gateway.anonymous_key_file"), std::string::npos) << e;
}

TEST(GatewayConfig, TheDefaultConfigRoundTrips) {
  auto c = default_config("gateway");
  ASSERT_TRUE(c) << c.error().message;
  auto back = parse_node_config(to_json_text(*c), "default.json");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->gateway->users_file, c->gateway->users_file);
  EXPECT_EQ(back->gateway->coordinator->port, 7400);
}

}  // namespace
}  // namespace seedgrid::config
