// The validator's default across-class thresholds: the calibrated ones once bench/calibrate has
// shipped them (runtime/base/verify/calibrated_thresholds.hpp), else conservative placeholders.
#include "config/node_config.hpp"

#if __has_include("runtime/base/verify/calibrated_thresholds.hpp")
#include "runtime/base/verify/calibrated_thresholds.hpp"
#define SEEDGRID_HAVE_CALIBRATED_THRESHOLDS 1
#endif

namespace seedgrid::config {

ValidatorThresholds default_validator_thresholds() {
#ifdef SEEDGRID_HAVE_CALIBRATED_THRESHOLDS
  const auto& k = verify::kCalibratedThresholds;
  return {k.step_pass, k.step_fail, k.psnr_pass, k.psnr_fail, k.ssim_pass, k.ssim_fail};
#else
  return {0.01, 0.1, 35.0, 25.0, 0.95, 0.80};
#endif
}

}  // namespace seedgrid::config
