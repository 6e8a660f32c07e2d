#include "actors/treasury/treasury_config.hpp"

#include <gtest/gtest.h>

using namespace seedgrid::treasury;

TEST(TreasuryConfig, DefaultsAreValid) {
  const TreasuryConfig config;
  ASSERT_TRUE(validate(config).has_value()) << validate(config).error().message;
  EXPECT_EQ(config.render_millis_per_credit, 43'200);
  EXPECT_EQ(config.unbonding_seconds, 7 * 86'400);
  EXPECT_EQ(config.slash_bounty_ppm, 500'000);
  EXPECT_EQ(config.stake_boost_p0, 10'000 * kMicrosPerUnit);
}

TEST(TreasuryConfig, CanonicalTextRoundTrips) {
  TreasuryConfig config;
  config.epoch_reward = 123;
  config.fee_tiers = {{0, 90'000}, {5, 80'000}};
  const std::string text = canonical_text(config);
  EXPECT_NE(text.find("epoch_reward=123\n"), std::string::npos);
  EXPECT_NE(text.find("fee_tiers=0:90000,5:80000\n"), std::string::npos);
  auto back = parse_canonical_text(text);
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(*back, config);
}

TEST(TreasuryConfig, CanonicalTextRejectsUnknownAndMissingKeys) {
  const std::string text = canonical_text(TreasuryConfig{});
  auto unknown = parse_canonical_text(text + "surprise=1\n");
  ASSERT_FALSE(unknown.has_value());
  EXPECT_NE(unknown.error().message.find("surprise"), std::string::npos);
  auto missing = parse_canonical_text(text.substr(text.find('\n') + 1));
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message.find("render_millis_per_credit"), std::string::npos);
}

TEST(TreasuryConfig, SetByNameAndListKeys) {
  TreasuryConfig config;
  ASSERT_TRUE(set_config_value(config, "slash_ppm", 42).has_value());
  EXPECT_EQ(config.slash_ppm, 42);
  auto bad = set_config_value(config, "slash_pm", 1);
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("slash_pm"), std::string::npos);
  // Every scalar field is listed exactly once.
  EXPECT_EQ(treasury_config_keys().size(), 20u);
}

TEST(TreasuryConfig, ValidationNamesTheOffendingKey) {
  TreasuryConfig config;
  config.fee_burn_ppm = 2'000'000;
  auto r = validate(config);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("fee_burn_ppm = 2000000"), std::string::npos)
      << r.error().message;

  config = {};
  config.fee_tiers = {{0, 100'000}, {10, 150'000}};
  r = validate(config);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("fee_tiers[1]"), std::string::npos) << r.error().message;

  config = {};
  config.fee_tiers = {{5, 100'000}};
  EXPECT_FALSE(validate(config).has_value());

  config = {};
  config.creator_royalty_ppm = 900'000;
  EXPECT_FALSE(validate(config).has_value());
}
