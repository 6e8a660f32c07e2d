#pragma once
// Written by bench/calibrate (`bench_calibrate ... --header config/calibrated_thresholds.hpp`):
// re-run it rather than editing by hand. The validator's default cross-class thresholds, picked
// by the rule of bench/calibrate/pick_thresholds.hpp (pass = 2x the worst honest difference;
// fail = the geometric mean of pass and the cheats' side; never crossing).
//
// Measurement: 2026-11-23, Debian 12, 2 cores AMD EPYC (shared), CPU fp32 vs F16StorageBackend
// (fp16 storage, fp32 math) both ways, `bench_calibrate --presets tiny,small --prompts 3 --seeds 2
// --steps 4,8 --cheat-jobs 8` (samplers euler, ddim, dpmpp_2m, euler_a; 64x64): 96 honest jobs, 384
// audited worker/validator pairs, 352 cheat jobs. Honest across classes: step error <= 0.01032,
// PSNR >= 54.91 dB, SSIM >= 0.999895; 0 false positives. Image-targeted cheats: PSNR <= 11.26 dB,
// SSIM <= 0.0802; 5th percentile of separable step-targeted cheats' step errors 0.02189. No GPU
// class was measured (none lent): re-run on a GPU worker class before trusting these there.
#include "config/validator_thresholds.hpp"

namespace seedgrid::config {

inline constexpr ValidatorThresholds kCalibratedThresholds{
    .step_pass = 0.02063,
    .step_fail = 0.02125,
    .psnr_pass = 48.89,
    .psnr_fail = 30.08,
    .ssim_pass = 0.99979,
    .ssim_fail = 0.9861,
};

}  // namespace seedgrid::config
