#pragma once
// How a validator compares what it computed with what a worker committed, when their
// determinism classes differ (same class: bytes, nothing else). Thresholds come from
// bench/calibrate's measurements of honest and cheating runs and ship in the validator config.
#include <cstdint>

#include "models/pipeline/rgb_image.hpp"
#include "models/tensor/tensor.hpp"

namespace seedgrid::verify {

struct Thresholds {
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

// ||expected_next − claimed_next|| / ||claimed_next − x_t|| (L2 over all elements, accumulated in
// double in index order). A zero update with a non-zero difference is +infinity.
double step_error(const Tensor& x_t, const Tensor& claimed_next, const Tensor& expected_next);

struct ImageDifference {
  double psnr_db = 0.0;  // +infinity when identical
  double ssim = 1.0;     // mean SSIM over the three channels (OpenCV, 11x11 Gaussian window)
};
ImageDifference image_difference(const RgbImage& a, const RgbImage& b);

}  // namespace seedgrid::verify
