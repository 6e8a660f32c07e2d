#pragma once
// The treasury's economic parameters. Every amount is an integer in micro-units (1 credit or 1
// token = 1,000,000 micros) and every rate is in parts per million (ppm, 1,000,000 = 100%), so no
// floating point ever touches a balance. The defaults follow the published design of issue 3:
//   1 credit = 1 base render (SD 1.x, 512x512, 20 steps) = 0.005 USD = 43.2 render-seconds,
//   so 1 render-second = 0.00011574 USD.
// The config in force is part of the signed history: the ledger journals it at creation and
// journals every later change (a "configure" entry), so a replay or an audit sees the rules each
// entry ran under.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "models/result.hpp"

namespace seedgrid::treasury {

using Micros = std::int64_t;
inline constexpr Micros kMicrosPerUnit = 1'000'000;
inline constexpr std::int64_t kPpm = 1'000'000;

// Platform fee for a worker whose bonded stake exceeds the fast-tier minimum by at least
// `stake_above_minimum` micro-tokens. Tiers are sorted by that threshold and fees never rise.
struct FeeTier {
  Micros stake_above_minimum = 0;
  std::int64_t fee_ppm = 0;
  auto operator<=>(const FeeTier&) const = default;
};

struct TreasuryConfig {
  // --- pricing (render-seconds, measured on the reference hardware) ---
  std::int64_t render_millis_per_credit = 43'200;  // 1 credit buys 43.2 render-seconds
  std::int64_t usd_micros_per_credit = 5'000;      // 0.005 USD; only for showing prices
  std::int64_t fast_tier_ppm = 1'000'000;          // price multiplier of the fast tier (1.0)
  std::int64_t relaxed_tier_ppm = 500'000;         // relaxed tier (0.5)
  // img2img first encodes the init image with the VAE encoder: priced as 5% of the job.
  std::int64_t img2img_extra_ppm = 50'000;
  // Streaming previews decode intermediate latents: priced as 10% of the job.
  std::int64_t previews_extra_ppm = 100'000;

  // --- settlement of a finished job (shares of the job's price) ---
  std::int64_t creator_royalty_ppm = 50'000;  // to the model's creator (to the worker if none)
  // Platform fee of a worker below the fast-tier minimum stake.
  std::int64_t platform_fee_below_minimum_ppm = 200'000;
  // Fee tiers for workers at or above the minimum; the fee falls as stake above the minimum grows.
  std::vector<FeeTier> fee_tiers = {
      {0, 150'000}, {10'000 * kMicrosPerUnit, 125'000}, {100'000 * kMicrosPerUnit, 100'000}};
  // Share of each platform fee (the "user fee") that is burned instead of paid to the platform.
  std::int64_t fee_burn_ppm = 200'000;

  // --- staking (tokens) ---
  Micros min_stake_fast = 1'000 * kMicrosPerUnit;  // bonded stake needed to serve the fast tier
  std::int64_t unbonding_seconds = 7 * 86'400;     // cool-down between unstake and withdraw

  // --- epoch rewards (tokens) ---
  std::int64_t epoch_seconds = 3'600;  // for callers scheduling epochs; the ledger counts epochs
  Micros epoch_reward = 50 * kMicrosPerUnit;        // R minted per epoch before any halving
  std::int64_t halving_epochs = 35'064;             // 4 years of 1-hour epochs (4 * 365.25 * 24)
  // After this many halvings the reward is zero (0: no cap; the reward still reaches zero once
  // halving has shifted it away: after 26 halvings for the default 50 tokens).
  std::int64_t max_halvings = 0;
  std::int64_t worker_reward_ppm = 700'000;         // 70% to workers, the rest to model creators
  std::int64_t stake_boost_alpha_ppm = 100'000;     // alpha = 0.1
  Micros stake_boost_p0 = 10'000 * kMicrosPerUnit;  // P0 = 10,000 tokens

  // --- slashing ---
  std::int64_t slash_ppm = 100'000;         // share of the worker's stake taken per failed verdict
  std::int64_t slash_bounty_ppm = 500'000;  // share of the slash paid to the validator; rest burned

  bool operator==(const TreasuryConfig&) const = default;
};

// Checks ranges and tier order; the error names the offending key and value.
Result<void> validate(const TreasuryConfig& config);

// One scalar key of the config: its name (as in node config files), meaning and default.
// `fee_tiers` is the one list-valued key and is not in this list (see set_fee_tiers).
struct TreasuryConfigKey {
  std::string_view name;
  std::string_view unit;  // "micros", "ppm", "seconds", "epochs", "milli-render-seconds"
  std::string_view meaning;
  std::int64_t TreasuryConfig::*field;
  std::int64_t min, max;  // validate() enforces min <= value <= max
};
const std::vector<TreasuryConfigKey>& treasury_config_keys();

// Sets one scalar key by name; an unknown name is an error naming it.
Result<void> set_config_value(TreasuryConfig& config, std::string_view key, std::int64_t value);

// Canonical text: one "key=value" line per key in the fixed order of treasury_config_keys(), then
// "fee_tiers=threshold:ppm,threshold:ppm". Hashed and signed into the journal, and printable.
// max_halvings, added later, is written only when set, so the texts (and hashes) of every ledger
// written before it are unchanged.
std::string canonical_text(const TreasuryConfig& config);
// Parses canonical_text() back (all keys required but max_halvings, none unknown).
Result<TreasuryConfig> parse_canonical_text(std::string_view text);

}  // namespace seedgrid::treasury
