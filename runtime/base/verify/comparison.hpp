#pragma once
// How a validator compares what it computed with what a worker committed, when their
// determinism classes differ (same class: bytes, nothing else). Thresholds come from
// bench/calibrate's measurements of honest and cheating runs and ship in the validator config.
#include <cstdint>

#include "config/validator_thresholds.hpp"
#include "models/pipeline/rgb_image.hpp"
#include "models/tensor/tensor.hpp"

namespace seedgrid::verify {

// Pass / grey / fail limits on the differences below. A validator's config owns them, so config/
// (one layer down) defines the type and ships the calibrated defaults.
using Thresholds = config::ValidatorThresholds;

// ||expected_next − claimed_next|| / ||claimed_next − x_t|| (L2 over all elements, accumulated in
// double in index order). A zero update with a non-zero difference is +infinity.
double step_error(const Tensor& x_t, const Tensor& claimed_next, const Tensor& expected_next);

struct ImageDifference {
  double psnr_db = 0.0;  // +infinity when identical
  double ssim = 1.0;     // mean SSIM over the three channels (OpenCV, 11x11 Gaussian window)
};
ImageDifference image_difference(const RgbImage& a, const RgbImage& b);

}  // namespace seedgrid::verify
