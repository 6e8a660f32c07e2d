#include "actors/treasury/treasury_config.hpp"

#include <charconv>
#include <map>

namespace seedgrid::treasury {

namespace {
// Bounds every amount so that products of amounts and rates stay within 128-bit integers.
constexpr std::int64_t kMaxMicros = std::int64_t{1} << 56;
// Written to the canonical text only when set (see canonical_text).
constexpr std::string_view kMaxHalvings = "max_halvings";
}  // namespace

const std::vector<TreasuryConfigKey>& treasury_config_keys() {
  using C = TreasuryConfig;
  static const std::vector<TreasuryConfigKey> keys = {
      {"render_millis_per_credit", "milli-render-seconds",
       "render-seconds one credit buys (default 43.2 s: 1 credit = 1 base render)",
       &C::render_millis_per_credit, 1, 1'000'000'000},
      {"usd_micros_per_credit", "micro-USD", "price of one credit, for display (default 0.005 USD)",
       &C::usd_micros_per_credit, 0, 1'000'000'000},
      {"fast_tier_ppm", "ppm", "price multiplier of the fast tier (default 1.0)", &C::fast_tier_ppm,
       1, 100 * kPpm},
      {"relaxed_tier_ppm", "ppm", "price multiplier of the relaxed tier (default 0.5)",
       &C::relaxed_tier_ppm, 1, 100 * kPpm},
      {"img2img_extra_ppm", "ppm",
       "img2img surcharge: the VAE encode of the init image (default 5%)", &C::img2img_extra_ppm, 0,
       kPpm},
      {"previews_extra_ppm", "ppm",
       "preview surcharge: decoding intermediate latents (default 10%)", &C::previews_extra_ppm, 0,
       kPpm},
      {"creator_royalty_ppm", "ppm", "model creator's royalty on each job (default 5%)",
       &C::creator_royalty_ppm, 0, kPpm},
      {"platform_fee_below_minimum_ppm", "ppm",
       "platform fee of a worker below the fast-tier minimum stake (default 20%)",
       &C::platform_fee_below_minimum_ppm, 0, kPpm},
      {"fee_burn_ppm", "ppm", "share of each platform fee that is burned (default 20%)",
       &C::fee_burn_ppm, 0, kPpm},
      {"min_stake_fast", "micros", "bonded tokens needed to serve the fast tier (default 1,000)",
       &C::min_stake_fast, 0, kMaxMicros},
      {"unbonding_seconds", "seconds", "cool-down between unstake and withdraw (default 7 days)",
       &C::unbonding_seconds, 0, 10 * 365 * 86'400},
      {"epoch_seconds", "seconds", "length of a reward epoch (default 1 hour)", &C::epoch_seconds,
       1, 365 * 86'400},
      {"epoch_reward", "micros", "tokens minted per epoch before halvings (default 50)",
       &C::epoch_reward, 0, kMaxMicros},
      {"halving_epochs", "epochs", "epochs between reward halvings (default 4 years of hours)",
       &C::halving_epochs, 1, std::int64_t{1} << 40},
      {"max_halvings", "halvings",
       "halvings after which the epoch reward is zero (default 0: no cap)", &C::max_halvings, 0,
       63},
      {"worker_reward_ppm", "ppm", "workers' share of the epoch reward (default 70%)",
       &C::worker_reward_ppm, 0, kPpm},
      {"stake_boost_alpha_ppm", "ppm", "alpha of the stake boost (default 0.1)",
       &C::stake_boost_alpha_ppm, 0, 10 * kPpm},
      {"stake_boost_p0", "micros", "P0 of the stake boost (default 10,000 tokens)",
       &C::stake_boost_p0, 1, kMaxMicros},
      {"slash_ppm", "ppm", "share of a worker's stake slashed per failed verdict (default 10%)",
       &C::slash_ppm, 0, kPpm},
      {"slash_bounty_ppm", "ppm", "validator's bounty as a share of the slash (default 50%)",
       &C::slash_bounty_ppm, 0, kPpm},
  };
  return keys;
}

Result<void> set_config_value(TreasuryConfig& config, std::string_view key, std::int64_t value) {
  for (const auto& k : treasury_config_keys()) {
    if (k.name == key) {
      config.*k.field = value;
      return {};
    }
  }
  return fail("unknown treasury config key '", key, "'",
              key == "fee_tiers" ? " (fee_tiers is a list: set it directly)" : "");
}

Result<void> validate(const TreasuryConfig& c) {
  auto in_range = [](std::string_view key, std::int64_t v, std::int64_t lo,
                     std::int64_t hi) -> Result<void> {
    if (v < lo || v > hi)
      return fail("treasury config ", key, " = ", v, " is out of range [", lo, ", ", hi, "]");
    return {};
  };
  for (const auto& k : treasury_config_keys()) {
    if (auto ok = in_range(k.name, c.*k.field, k.min, k.max); !ok) return ok;
  }
  if (c.creator_royalty_ppm + c.platform_fee_below_minimum_ppm > kPpm)
    return fail("treasury config: creator_royalty_ppm + platform_fee_below_minimum_ppm = ",
                c.creator_royalty_ppm + c.platform_fee_below_minimum_ppm,
                " exceeds 1000000 (a job cannot pay out more than its price)");
  if (c.fee_tiers.empty())
    return fail(
        "treasury config fee_tiers is empty: it needs at least the tier at 0 stake above "
        "the minimum");
  if (c.fee_tiers.front().stake_above_minimum != 0)
    return fail("treasury config fee_tiers must start at stake_above_minimum 0, not ",
                c.fee_tiers.front().stake_above_minimum);
  for (std::size_t i = 0; i < c.fee_tiers.size(); ++i) {
    const FeeTier& t = c.fee_tiers[i];
    if (t.stake_above_minimum < 0 || t.stake_above_minimum > kMaxMicros)
      return fail("treasury config fee_tiers[", i,
                  "].stake_above_minimum = ", t.stake_above_minimum, " is out of range");
    if (t.fee_ppm < 0 || t.fee_ppm + c.creator_royalty_ppm > kPpm)
      return fail("treasury config fee_tiers[", i, "].fee_ppm = ", t.fee_ppm,
                  " is out of range [0, 1000000 - creator_royalty_ppm]");
    if (i > 0) {
      const FeeTier& prev = c.fee_tiers[i - 1];
      if (t.stake_above_minimum <= prev.stake_above_minimum)
        return fail("treasury config fee_tiers[", i, "] threshold ", t.stake_above_minimum,
                    " must be above the previous tier's ", prev.stake_above_minimum);
      if (t.fee_ppm > prev.fee_ppm)
        return fail("treasury config fee_tiers[", i, "].fee_ppm = ", t.fee_ppm,
                    " rises above the previous tier's ", prev.fee_ppm,
                    " (the fee must fall as stake grows)");
    }
  }
  return {};
}

std::string canonical_text(const TreasuryConfig& config) {
  std::string out;
  for (const auto& k : treasury_config_keys())
    if (k.name != kMaxHalvings || config.max_halvings != 0)
      out += message_of(k.name, "=", config.*k.field, "\n");
  out += "fee_tiers=";
  for (std::size_t i = 0; i < config.fee_tiers.size(); ++i) {
    if (i) out += ",";
    out += message_of(config.fee_tiers[i].stake_above_minimum, ":", config.fee_tiers[i].fee_ppm);
  }
  out += "\n";
  return out;
}

namespace {

Result<std::int64_t> parse_int(std::string_view text, std::string_view what) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty())
    return fail(what, " '", text, "' is not an integer");
  return v;
}

Result<std::vector<FeeTier>> parse_tiers(std::string_view text) {
  std::vector<FeeTier> tiers;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    const auto colon = item.find(':');
    if (colon == std::string_view::npos)
      return fail("fee tier '", item, "' is not threshold:fee_ppm");
    auto threshold = parse_int(item.substr(0, colon), "fee tier threshold");
    if (!threshold) return pass_on(threshold);
    auto fee = parse_int(item.substr(colon + 1), "fee tier fee_ppm");
    if (!fee) return pass_on(fee);
    tiers.push_back({*threshold, *fee});
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
  }
  return tiers;
}

}  // namespace

Result<TreasuryConfig> parse_canonical_text(std::string_view text) {
  TreasuryConfig config;
  std::map<std::string, bool, std::less<>> seen;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (line.empty()) continue;
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) return fail("config line '", line, "' is not key=value");
    const std::string_view key = line.substr(0, eq), value = line.substr(eq + 1);
    if (seen.contains(key)) return fail("config key '", key, "' appears twice");
    seen.emplace(std::string(key), true);
    if (key == "fee_tiers") {
      auto tiers = parse_tiers(value);
      if (!tiers) return pass_on(tiers);
      config.fee_tiers = std::move(*tiers);
      continue;
    }
    auto v = parse_int(value, message_of("config key ", key));
    if (!v) return pass_on(v);
    if (auto r = set_config_value(config, key, *v); !r) return pass_on(r);
  }
  for (const auto& k : treasury_config_keys())
    if (!seen.contains(k.name) && k.name != kMaxHalvings)
      return fail("config text lacks key '", k.name, "'");
  if (!seen.contains("fee_tiers")) return fail("config text lacks key 'fee_tiers'");
  return config;
}

}  // namespace seedgrid::treasury
