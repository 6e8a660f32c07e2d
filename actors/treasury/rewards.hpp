#pragma once
// Epoch rewards (tokens), all in integer arithmetic so every machine mints the same micros.
//
//   R(e)        = epoch_reward >> (e / halving_epochs)            (halves every 4 years of epochs)
//                 and 0 once e / halving_epochs >= max_halvings     (when max_halvings is set)
//   R_workers   = floor(R * worker_reward_ppm / 1e6), R_creators = R - R_workers
//   B_i         = (H_i*T_i / sum_j H_j*T_j) * R_workers            (base share)
//   boost_i     = 1 + alpha * ln(1 + max(0, P_i - P0) / P0) = 1 + alpha * ln(max(P_i, P0) / P0)
//   R_i         = B_i * boost_i
//
// Normalisation: the boost is always >= 1, so sum R_i >= R_workers whenever anyone is boosted. We
// normalise: R_workers is apportioned in proportion to the weights w_i = H_i*T_i*boost_i, so an
// epoch mints exactly R(e) and the supply schedule is the published one; the boost is relative (a
// staked worker earns boost_i / boost_j times what an equally fast unstaked one earns in the same
// epoch).
//
// Fixed point: ln is computed in Q62 (returned in Q56) with integer-only arithmetic (range
// reduction by powers of two, then 2*atanh((m-1)/(m+1)) series), boost_i is kept in Q32 (error <
// 1e-9), and H_i*T_i*boost_i is exact in 128-bit integers. No floating point is involved, so the
// result is the same on every host.
//
// Remainder rule (largest remainder, deterministic): each account gets floor(total * w_i / sum w);
// the micros left over (fewer than the number of accounts) go one each to the accounts with the
// largest remainders (total * w_i mod sum w), ties broken by account id ascending. The shares sum
// to the total exactly. If no worker served (sum of weights 0) the workers' part is not minted; the
// same for creators when nothing was rendered. Model creators are paid by their models' share of
// rendered render-seconds: usage rows of the same creator are summed, then the same apportionment
// applies with weights = render-seconds.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "actors/treasury/treasury_config.hpp"
#include "models/result.hpp"

namespace seedgrid::treasury {

// R(e): the reward minted for epoch e before the worker/creator split.
Micros epoch_reward(const TreasuryConfig& config, std::int64_t epoch);

// ln(numerator / denominator) * 2^56, for numerator >= denominator > 0 (error a few units of
// 2^-56).
std::uint64_t ln_ratio_q56(std::uint64_t numerator, std::uint64_t denominator);

// boost_i in Q32: 2^32 * (1 + alpha * ln(max(stake, P0) / P0)).
std::uint64_t stake_boost_q32(const TreasuryConfig& config, Micros stake);

// Largest-remainder apportionment of `total` by `weights` (see above); `ids` break ties and must be
// distinct and sorted ascending. Returns all zeros when every weight is zero.
std::vector<Micros> apportion(Micros total, std::span<const unsigned __int128> weights,
                              std::span<const std::string> ids);

struct WorkerEpoch {
  std::string worker;
  std::int64_t speed_millis = 0;
  std::int64_t serving_seconds = 0;
  Micros bonded_stake = 0;
};

struct CreatorEpoch {
  std::string creator;
  std::int64_t render_millis = 0;
};

struct Reward {
  std::string account;
  Micros amount = 0;
  bool operator==(const Reward&) const = default;
};

struct EpochRewards {
  Micros reward = 0;             // R(e)
  Micros minted = 0;             // what is actually minted (R(e), less any part nobody earned)
  std::vector<Reward> workers;   // sorted by account id, zero shares omitted
  std::vector<Reward> creators;  // sorted by account id, zero shares omitted
};

// Inputs may come in any order; duplicates of a worker are an error (creators are summed).
Result<EpochRewards> compute_epoch_rewards(const TreasuryConfig& config, std::int64_t epoch,
                                           std::span<const WorkerEpoch> workers,
                                           std::span<const CreatorEpoch> creators);

}  // namespace seedgrid::treasury
