#pragma once
// How far a validator lets a result of another determinism class differ from its own before it
// calls the audit grey or failed (runtime/base/verify/comparison.hpp measures the differences).
// The defaults are the ones bench/calibrate measured (config/calibrated_thresholds.hpp); a
// validator's config may set its own ("validator.thresholds").
namespace seedgrid::config {

struct ValidatorThresholds {
  // Step audit: ||x̂_{t+1} − x_{t+1}|| / ||x_{t+1} − x_t||. At most `step_pass` passes, above
  // `step_fail` fails, between is grey.
  double step_pass = 0.0;
  double step_fail = 0.0;
  // Decoded and full-render images: PSNR (dB) and SSIM against the validator's own decode.
  double psnr_pass = 0.0;  // at least this passes (with ssim_pass)
  double psnr_fail = 0.0;  // below this fails (or ssim below ssim_fail)
  double ssim_pass = 0.0;
  double ssim_fail = 0.0;
};

// The calibrated thresholds (config/calibrated_thresholds.hpp).
ValidatorThresholds default_validator_thresholds();

}  // namespace seedgrid::config
