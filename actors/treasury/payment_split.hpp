#pragma once
// How a job's payment is divided. Rounding rule: the royalty, the platform fee and the burned part
// of the fee are each rounded DOWN to the micro-credit; the worker gets the remainder, so the parts
// always sum to the payment exactly and no one but the worker ever gains from rounding.
//   fee      = floor(amount * fee_ppm / 1e6)          (fee_ppm from platform_fee_ppm below)
//   royalty  = floor(amount * creator_royalty_ppm / 1e6)   (0 when the model has no creator:
//                                                            the worker keeps it)
//   burned   = floor(fee * fee_burn_ppm / 1e6)
//   platform = fee - burned
//   worker   = amount - fee - royalty
#include "actors/treasury/treasury_config.hpp"

namespace seedgrid::treasury {

struct PaymentSplit {
  Micros worker = 0, creator = 0, platform = 0, burned = 0;
  Micros total() const { return worker + creator + platform + burned; }
};

// The platform fee a worker with `bonded` stake pays: platform_fee_below_minimum_ppm under the
// fast-tier minimum, else the highest fee tier whose threshold the stake above the minimum reaches.
std::int64_t platform_fee_ppm(const TreasuryConfig& config, Micros bonded);

PaymentSplit split_payment(const TreasuryConfig& config, Micros amount, std::int64_t fee_ppm,
                           bool has_creator);

}  // namespace seedgrid::treasury
