#include "actors/treasury/rewards.hpp"

#include <algorithm>
#include <bit>
#include <map>
#include <numeric>

namespace seedgrid::treasury {

namespace {

using u128 = unsigned __int128;

constexpr std::uint64_t kLn2Q62 = 0x2c5c85fdf473de6aULL;  // ln 2 * 2^62, rounded down
constexpr std::int64_t kMaxSpeedMillis = std::int64_t{1} << 31;
constexpr std::int64_t kMaxServingSeconds = std::int64_t{1} << 31;
constexpr std::size_t kMaxAccounts = 1'000'000;  // keeps sums of weights below 2^126

struct Quotient {
  u128 q, r;
};

// floor(a * b / c) and the remainder, exact without 192-bit integers: binary long multiplication
// keeping the partial product reduced modulo c. Needs b <= c < 2^126 (so 2r and r + b never wrap).
Quotient mul_div(std::uint64_t a, u128 b, u128 c) {
  u128 q = 0, r = 0;
  for (int bit = 63; bit >= 0; --bit) {
    q <<= 1;
    r <<= 1;
    if (r >= c) {
      r -= c;
      q += 1;
    }
    if ((a >> bit) & 1) {
      r += b;
      if (r >= c) {
        r -= c;
        q += 1;
      }
    }
  }
  return {q, r};
}

}  // namespace

Micros epoch_reward(const TreasuryConfig& config, std::int64_t epoch) {
  if (epoch < 0) return 0;
  const std::int64_t halvings = epoch / config.halving_epochs;
  if (config.max_halvings > 0 && halvings >= config.max_halvings) return 0;
  return halvings >= 63 ? 0 : config.epoch_reward >> halvings;
}

std::uint64_t ln_ratio_q56(std::uint64_t numerator, std::uint64_t denominator) {
  if (denominator == 0 || numerator <= denominator) return 0;
  // Range reduction: n / d = 2^k * m with m in [1, 2).
  int k = std::bit_width(numerator) - std::bit_width(denominator);
  u128 scaled = u128(denominator) << k;
  if (scaled > numerator) {
    --k;
    scaled >>= 1;
  }
  // ln m = 2 atanh(z), z = (m - 1) / (m + 1) in [0, 1/3): the series gains 3 bits per term.
  const u128 z = ((u128(numerator) - scaled) << 62) / (u128(numerator) + scaled);
  const u128 z2 = (z * z) >> 62;
  u128 term = z, sum = z;
  for (unsigned i = 3; term != 0; i += 2) {
    term = (term * z2) >> 62;
    sum += term / i;
  }
  const u128 ln_q62 = u128(k) * kLn2Q62 + 2 * sum;
  return static_cast<std::uint64_t>(ln_q62 >> 6);
}

std::uint64_t stake_boost_q32(const TreasuryConfig& config, Micros stake) {
  const std::uint64_t p = static_cast<std::uint64_t>(std::max(stake, config.stake_boost_p0));
  const u128 ln_q56 = ln_ratio_q56(p, static_cast<std::uint64_t>(config.stake_boost_p0));
  // alpha * ln in Q32: (alpha_ppm / 1e6) * (ln_q56 / 2^24), rounded down.
  const u128 boost = (u128(config.stake_boost_alpha_ppm) * ln_q56) / (u128(kPpm) << 24);
  return (std::uint64_t{1} << 32) + static_cast<std::uint64_t>(boost);
}

std::vector<Micros> apportion(Micros total, std::span<const unsigned __int128> weights,
                              std::span<const std::string> ids) {
  std::vector<Micros> shares(weights.size(), 0);
  u128 sum = 0;
  for (u128 w : weights) sum += w;
  if (sum == 0 || total <= 0) return shares;
  std::vector<u128> remainders(weights.size());
  Micros given = 0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    const Quotient qr = mul_div(static_cast<std::uint64_t>(total), weights[i], sum);
    shares[i] = static_cast<Micros>(qr.q);
    remainders[i] = qr.r;
    given += shares[i];
  }
  std::vector<std::size_t> order(weights.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (remainders[a] != remainders[b]) return remainders[a] > remainders[b];
    return ids[a] < ids[b];
  });
  // Fewer than weights.size() micros are left, one for each of the largest remainders.
  for (std::size_t i = 0; given < total; ++i, ++given) shares[order[i]] += 1;
  return shares;
}

namespace {

std::vector<Reward> apportion_map(Micros total, const std::map<std::string, u128>& weights) {
  std::vector<std::string> ids;
  std::vector<u128> w;
  for (const auto& [id, weight] : weights) {
    ids.push_back(id);
    w.push_back(weight);
  }
  const std::vector<Micros> shares = apportion(total, w, ids);
  std::vector<Reward> out;
  for (std::size_t i = 0; i < ids.size(); ++i)
    if (shares[i] > 0) out.push_back({ids[i], shares[i]});
  return out;
}

}  // namespace

Result<EpochRewards> compute_epoch_rewards(const TreasuryConfig& config, std::int64_t epoch,
                                           std::span<const WorkerEpoch> workers,
                                           std::span<const CreatorEpoch> creators) {
  if (epoch < 0) return fail("epoch ", epoch, " is negative");
  if (workers.size() > kMaxAccounts || creators.size() > kMaxAccounts)
    return fail("epoch ", epoch, ": at most ", kMaxAccounts, " workers and model usage rows");
  std::map<std::string, u128> worker_weights;
  for (const WorkerEpoch& w : workers) {
    if (w.speed_millis < 0 || w.speed_millis > kMaxSpeedMillis)
      return fail("epoch ", epoch, ": worker ", w.worker, " speed ", w.speed_millis,
                  " milli-render-seconds/s is out of range [0, ", kMaxSpeedMillis, "]");
    if (w.serving_seconds < 0 || w.serving_seconds > kMaxServingSeconds)
      return fail("epoch ", epoch, ": worker ", w.worker, " serving time ", w.serving_seconds,
                  " s is out of range [0, ", kMaxServingSeconds, "]");
    if (w.bonded_stake < 0)
      return fail("epoch ", epoch, ": worker ", w.worker, " has negative stake");
    const u128 weight = u128(w.speed_millis) * u128(w.serving_seconds) *
                        u128(stake_boost_q32(config, w.bonded_stake));
    if (!worker_weights.emplace(w.worker, weight).second)
      return fail("epoch ", epoch, ": worker ", w.worker, " is listed twice");
  }
  std::map<std::string, u128> creator_weights;
  for (const CreatorEpoch& c : creators) {
    if (c.render_millis < 0 || c.render_millis > (std::int64_t{1} << 62))
      return fail("epoch ", epoch, ": creator ", c.creator, " render-seconds ", c.render_millis,
                  " (milli) is out of range");
    creator_weights[c.creator] += u128(c.render_millis);
  }

  EpochRewards out;
  out.reward = epoch_reward(config, epoch);
  const Micros for_workers =
      static_cast<Micros>(u128(out.reward) * u128(config.worker_reward_ppm) / u128(kPpm));
  out.workers = apportion_map(for_workers, worker_weights);
  out.creators = apportion_map(out.reward - for_workers, creator_weights);
  for (const Reward& r : out.workers) out.minted += r.amount;
  for (const Reward& r : out.creators) out.minted += r.amount;
  return out;
}

}  // namespace seedgrid::treasury
