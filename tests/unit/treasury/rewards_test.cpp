#include "actors/treasury/rewards.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <random>

using namespace seedgrid;
using namespace seedgrid::treasury;

namespace {
TreasuryConfig config_with_reward(Micros reward) {
  TreasuryConfig c;
  c.epoch_reward = reward;
  return c;
}
Micros sum_of(const std::vector<Reward>& rewards) {
  Micros s = 0;
  for (const Reward& r : rewards) s += r.amount;
  return s;
}
Micros reward_of(const std::vector<Reward>& rewards, const std::string& account) {
  for (const Reward& r : rewards)
    if (r.account == account) return r.amount;
  return 0;
}
}  // namespace

TEST(Rewards, FixedPointLnMatchesLongDouble) {
  std::mt19937_64 rng(3);
  for (int i = 0; i < 2'000; ++i) {
    const std::uint64_t d = 1 + rng() % (1ULL << 40);
    const std::uint64_t n = d + rng() % (1ULL << (rng() % 56));
    const long double expected =
        std::log(static_cast<long double>(n) / static_cast<long double>(d));
    const long double got = static_cast<long double>(ln_ratio_q56(n, d)) / std::ldexp(1.0L, 56);
    ASSERT_NEAR(static_cast<double>(got), static_cast<double>(expected), 1e-15) << n << "/" << d;
  }
  EXPECT_EQ(ln_ratio_q56(5, 5), 0u);
  // ln 2 exactly at the precision of the constant.
  EXPECT_EQ(ln_ratio_q56(2, 1), 0x2c5c85fdf473de6aULL >> 6);
}

TEST(Rewards, HalvesEveryFourYearsOfEpochs) {
  const TreasuryConfig c;
  EXPECT_EQ(epoch_reward(c, 0), 50 * kMicrosPerUnit);
  EXPECT_EQ(epoch_reward(c, 35'063), 50 * kMicrosPerUnit);
  EXPECT_EQ(epoch_reward(c, 35'064), 25 * kMicrosPerUnit);
  EXPECT_EQ(epoch_reward(c, 3 * 35'064), 6'250'000);
  EXPECT_EQ(epoch_reward(c, 64 * 35'064), 0);
}

TEST(Rewards, StakeBoostFollowsTheFormula) {
  const TreasuryConfig c;  // alpha 0.1, P0 10,000 tokens
  EXPECT_EQ(stake_boost_q32(c, 0), 1ULL << 32);
  EXPECT_EQ(stake_boost_q32(c, c.stake_boost_p0), 1ULL << 32);
  for (Micros tokens : {20'000, 110'000, 1'000'000}) {
    const Micros p = tokens * kMicrosPerUnit;
    const double expected =
        1.0 + 0.1 * std::log(1.0 + double(p - c.stake_boost_p0) / double(c.stake_boost_p0));
    EXPECT_NEAR(double(stake_boost_q32(c, p)) / 4294967296.0, expected, 1e-9) << tokens;
  }
}

TEST(Rewards, ApportionIsExactWithLargestRemainderAndIdTieBreak) {
  const std::vector<std::string> ids = {"a", "b", "c"};
  const std::vector<unsigned __int128> equal = {1, 1, 1};
  // 10 / 3: floors 3,3,3 and the one leftover micro goes to the smallest id among equal remainders.
  EXPECT_EQ(apportion(10, equal, ids), (std::vector<Micros>{4, 3, 3}));
  EXPECT_EQ(apportion(11, equal, ids), (std::vector<Micros>{4, 4, 3}));
  // Largest remainder wins over id order: 100 * 1/6 = 16.67, 100 * 2/6 = 33.33, 100 * 3/6 = 50.
  const std::vector<unsigned __int128> w = {1, 2, 3};
  EXPECT_EQ(apportion(100, w, ids), (std::vector<Micros>{17, 33, 50}));
  EXPECT_EQ(apportion(100, std::vector<unsigned __int128>{0, 0, 0}, ids),
            (std::vector<Micros>{0, 0, 0}));

  std::mt19937_64 rng(11);
  for (int round = 0; round < 500; ++round) {
    const std::size_t n = 1 + rng() % 40;
    std::vector<std::string> names;
    std::vector<unsigned __int128> weights;
    for (std::size_t i = 0; i < n; ++i) {
      names.push_back(message_of("w", 1000 + i));
      weights.push_back((static_cast<unsigned __int128>(rng()) << (rng() % 60)) + rng() % 3);
    }
    const Micros total = static_cast<Micros>(rng() % (1ULL << 56));
    const auto shares = apportion(total, weights, names);
    ASSERT_EQ(std::accumulate(shares.begin(), shares.end(), Micros{0}), total);
    // Each share is its exact quota rounded down or up.
    long double sum_w = 0;
    for (auto x : weights) sum_w += static_cast<long double>(x);
    for (std::size_t i = 0; i < n; ++i) {
      const long double quota = total * (static_cast<long double>(weights[i]) / sum_w);
      ASSERT_LE(std::fabs(static_cast<long double>(shares[i]) - quota), 1.0L + 1e-6L * quota);
    }
  }
}

TEST(Rewards, WorkersGet70PercentByHTAndCreatorsByRenderSeconds) {
  const TreasuryConfig c = config_with_reward(1'000'000);
  const std::vector<WorkerEpoch> workers = {{"worker:a", 2'000, 3'600, 0},
                                            {"worker:b", 1'000, 3'600, 0}};
  const std::vector<CreatorEpoch> creators = {
      {"creator:x", 300}, {"creator:y", 100}, {"creator:x", 100}};
  auto r = compute_epoch_rewards(c, 0, workers, creators);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->reward, 1'000'000);
  EXPECT_EQ(r->minted, 1'000'000);
  EXPECT_EQ(reward_of(r->workers, "worker:a"), 466'667);  // 2/3 of 700,000, rounded up (remainder)
  EXPECT_EQ(reward_of(r->workers, "worker:b"), 233'333);
  EXPECT_EQ(reward_of(r->creators, "creator:x"), 240'000);  // 400 of 500 render-seconds
  EXPECT_EQ(reward_of(r->creators, "creator:y"), 60'000);
}

TEST(Rewards, StakeBoostIsNormalisedToTheWorkersShare) {
  const TreasuryConfig c = config_with_reward(100 * kMicrosPerUnit);
  // Equal H*T; one worker staked 110,000 tokens: boost = 1 + 0.1 ln(11) = 1.2398.
  const std::vector<WorkerEpoch> workers = {
      {"worker:staked", 1'000, 3'600, 110'000 * kMicrosPerUnit}, {"worker:plain", 1'000, 3'600, 0}};
  auto r = compute_epoch_rewards(c, 0, workers, {});
  ASSERT_TRUE(r.has_value());
  const Micros workers_share = 70 * kMicrosPerUnit;
  // Not B_i * boost (which would sum above R_workers): the boosted weights share R_workers exactly.
  EXPECT_EQ(sum_of(r->workers), workers_share);
  const double boost = 1.0 + 0.1 * std::log(11.0);
  const double staked = double(reward_of(r->workers, "worker:staked"));
  const double plain = double(reward_of(r->workers, "worker:plain"));
  EXPECT_NEAR(staked / plain, boost, 1e-6);
  EXPECT_NEAR(staked, double(workers_share) * boost / (1.0 + boost), 1.0);
  // No usage: the creators' 30% is not minted.
  EXPECT_TRUE(r->creators.empty());
  EXPECT_EQ(r->minted, workers_share);
}

TEST(Rewards, SplitsAreExactForManyWorkers) {
  const TreasuryConfig c = config_with_reward(50 * kMicrosPerUnit + 7);
  std::mt19937_64 rng(5);
  std::vector<WorkerEpoch> workers;
  for (int i = 0; i < 333; ++i)
    workers.push_back({message_of("worker:n", i), static_cast<std::int64_t>(rng() % 100'000),
                       static_cast<std::int64_t>(rng() % 3'601),
                       static_cast<Micros>(rng() % (200'000 * kMicrosPerUnit))});
  std::vector<CreatorEpoch> creators;
  for (int i = 0; i < 17; ++i)
    creators.push_back(
        {message_of("creator:m", i % 11), static_cast<std::int64_t>(rng() % 1'000'000)});
  auto r = compute_epoch_rewards(c, 9, workers, creators);
  ASSERT_TRUE(r.has_value());
  const Micros for_workers = (50 * kMicrosPerUnit + 7) * 7 / 10;
  EXPECT_EQ(sum_of(r->workers), for_workers);
  EXPECT_EQ(sum_of(r->creators), 50 * kMicrosPerUnit + 7 - for_workers);
  EXPECT_EQ(r->minted, 50 * kMicrosPerUnit + 7);
  EXPECT_TRUE(
      std::is_sorted(r->workers.begin(), r->workers.end(),
                     [](const Reward& a, const Reward& b) { return a.account < b.account; }));
  // Inputs in another order give the same result.
  std::shuffle(workers.begin(), workers.end(), rng);
  EXPECT_EQ(compute_epoch_rewards(c, 9, workers, creators)->workers, r->workers);
}

TEST(Rewards, RejectsDuplicateWorkersAndBadInputs) {
  const TreasuryConfig c;
  const std::vector<WorkerEpoch> twice = {{"worker:a", 1, 1, 0}, {"worker:a", 2, 2, 0}};
  auto r = compute_epoch_rewards(c, 1, twice, {});
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("worker:a is listed twice"), std::string::npos);
  const std::vector<WorkerEpoch> negative = {{"worker:a", -1, 1, 0}};
  EXPECT_FALSE(compute_epoch_rewards(c, 1, negative, {}).has_value());
}
