#include "actors/treasury/payment_split.hpp"

namespace seedgrid::treasury {

namespace {
Micros ppm_of(Micros amount, std::int64_t ppm) {
  return static_cast<Micros>((static_cast<__int128>(amount) * ppm) / kPpm);
}
}  // namespace

std::int64_t platform_fee_ppm(const TreasuryConfig& config, Micros bonded) {
  if (bonded < config.min_stake_fast) return config.platform_fee_below_minimum_ppm;
  const Micros above = bonded - config.min_stake_fast;
  std::int64_t fee = config.platform_fee_below_minimum_ppm;
  for (const FeeTier& tier : config.fee_tiers)
    if (above >= tier.stake_above_minimum) fee = tier.fee_ppm;
  return fee;
}

PaymentSplit split_payment(const TreasuryConfig& config, Micros amount, std::int64_t fee_ppm,
                           bool has_creator) {
  PaymentSplit s;
  const Micros fee = ppm_of(amount, fee_ppm);
  s.creator = has_creator ? ppm_of(amount, config.creator_royalty_ppm) : 0;
  s.burned = ppm_of(fee, config.fee_burn_ppm);
  s.platform = fee - s.burned;
  s.worker = amount - fee - s.creator;
  return s;
}

}  // namespace seedgrid::treasury
