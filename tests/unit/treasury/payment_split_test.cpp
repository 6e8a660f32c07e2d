#include "actors/treasury/payment_split.hpp"

#include <gtest/gtest.h>

#include <random>

using namespace seedgrid::treasury;

TEST(PaymentSplit, DefaultSplitOfOneCredit) {
  const TreasuryConfig config;
  const PaymentSplit s = split_payment(config, 1'000'000, 200'000, true);
  EXPECT_EQ(s.creator, 50'000);
  EXPECT_EQ(s.burned, 40'000);  // 20% of the 20% fee
  EXPECT_EQ(s.platform, 160'000);
  EXPECT_EQ(s.worker, 750'000);
  EXPECT_EQ(s.total(), 1'000'000);
}

TEST(PaymentSplit, WithoutCreatorTheWorkerKeepsTheRoyalty) {
  const PaymentSplit s = split_payment(TreasuryConfig{}, 1'000'000, 150'000, false);
  EXPECT_EQ(s.creator, 0);
  EXPECT_EQ(s.worker, 850'000);
}

TEST(PaymentSplit, RoundingFavoursOnlyTheWorkerAndIsExact) {
  const TreasuryConfig config;
  // 7 micros: fee floor(1.4) = 1, royalty floor(0.35) = 0, burn floor(0.2) = 0.
  const PaymentSplit s = split_payment(config, 7, 200'000, true);
  EXPECT_EQ(s.platform + s.burned, 1);
  EXPECT_EQ(s.creator, 0);
  EXPECT_EQ(s.worker, 6);
  std::mt19937_64 rng(7);
  for (int i = 0; i < 10'000; ++i) {
    const Micros amount = static_cast<Micros>(rng() % 1'000'000'000'000ULL);
    const std::int64_t fee = static_cast<std::int64_t>(rng() % 300'000);
    const PaymentSplit p = split_payment(config, amount, fee, (i & 1) != 0);
    ASSERT_EQ(p.total(), amount);
    ASSERT_EQ(p.platform + p.burned,
              static_cast<Micros>(static_cast<__int128>(amount) * fee / kPpm));
    ASSERT_GE(p.worker, 0);
  }
}

TEST(PaymentSplit, FeeFallsWithStakeAboveTheMinimum) {
  const TreasuryConfig config;  // min 1,000 tokens; tiers 15% / 12.5% at +10k / 10% at +100k
  EXPECT_EQ(platform_fee_ppm(config, 0), 200'000);
  EXPECT_EQ(platform_fee_ppm(config, 999 * kMicrosPerUnit), 200'000);
  EXPECT_EQ(platform_fee_ppm(config, 1'000 * kMicrosPerUnit), 150'000);
  EXPECT_EQ(platform_fee_ppm(config, 10'999 * kMicrosPerUnit), 150'000);
  EXPECT_EQ(platform_fee_ppm(config, 11'000 * kMicrosPerUnit), 125'000);
  EXPECT_EQ(platform_fee_ppm(config, 101'000 * kMicrosPerUnit), 100'000);
}
