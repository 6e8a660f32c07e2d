#include "runtime/base/verify/comparison.hpp"

#include <cmath>
#include <limits>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

namespace seedgrid::verify {

double step_error(const Tensor& x_t, const Tensor& claimed_next, const Tensor& expected_next) {
  const std::int64_t n = claimed_next.numel();
  if (x_t.numel() != n || expected_next.numel() != n)
    return std::numeric_limits<double>::infinity();  // a latent of another shape is no step
  const float* x = x_t.f32();
  const float* c = claimed_next.f32();
  const float* e = expected_next.f32();
  double diff = 0.0;
  double update = 0.0;
  for (std::int64_t i = 0; i < n; ++i) {
    const double d = static_cast<double>(e[i]) - c[i];
    const double u = static_cast<double>(c[i]) - x[i];
    diff += d * d;
    update += u * u;
  }
  if (diff == 0.0) return 0.0;
  if (update == 0.0) return std::numeric_limits<double>::infinity();
  return std::sqrt(diff) / std::sqrt(update);
}

namespace {

// SSIM of one 8-bit channel as in OpenCV's reference (Wang et al. 2004): 11x11 Gaussian window,
// sigma 1.5, C1 = (0.01 L)^2, C2 = (0.03 L)^2 with L = 255; the mean of the SSIM map.
double channel_ssim(const cv::Mat& a8, const cv::Mat& b8) {
  constexpr double kC1 = 6.5025;
  constexpr double kC2 = 58.5225;
  const cv::Size window(11, 11);
  constexpr double kSigma = 1.5;
  cv::Mat a, b;
  a8.convertTo(a, CV_64F);
  b8.convertTo(b, CV_64F);
  cv::Mat mu_a, mu_b;
  cv::GaussianBlur(a, mu_a, window, kSigma);
  cv::GaussianBlur(b, mu_b, window, kSigma);
  const cv::Mat mu_a2 = mu_a.mul(mu_a);
  const cv::Mat mu_b2 = mu_b.mul(mu_b);
  const cv::Mat mu_ab = mu_a.mul(mu_b);
  cv::Mat s_a2, s_b2, s_ab;
  cv::GaussianBlur(a.mul(a), s_a2, window, kSigma);
  cv::GaussianBlur(b.mul(b), s_b2, window, kSigma);
  cv::GaussianBlur(a.mul(b), s_ab, window, kSigma);
  s_a2 -= mu_a2;
  s_b2 -= mu_b2;
  s_ab -= mu_ab;
  cv::Mat numerator = (2 * mu_ab + kC1).mul(2 * s_ab + kC2);
  cv::Mat denominator = (mu_a2 + mu_b2 + kC1).mul(s_a2 + s_b2 + kC2);
  cv::Mat map;
  cv::divide(numerator, denominator, map);
  return cv::mean(map)[0];
}

}  // namespace

ImageDifference image_difference(const RgbImage& a, const RgbImage& b) {
  const std::size_t expected = static_cast<std::size_t>(a.width) * a.height * 3;
  // Images of different sizes have nothing in common: the worst difference there is.
  if (a.width != b.width || a.height != b.height || a.pixels.size() != expected ||
      b.pixels.size() != expected || expected == 0)
    return {0.0, 0.0};
  if (a.pixels == b.pixels) return {std::numeric_limits<double>::infinity(), 1.0};
  double squared = 0.0;
  for (std::size_t i = 0; i < expected; ++i) {
    const double d = static_cast<double>(a.pixels[i]) - b.pixels[i];
    squared += d * d;
  }
  ImageDifference out;
  out.psnr_db = 10.0 * std::log10(255.0 * 255.0 / (squared / static_cast<double>(expected)));
  const cv::Mat ma(a.height, a.width, CV_8UC3, const_cast<std::uint8_t*>(a.pixels.data()));
  const cv::Mat mb(b.height, b.width, CV_8UC3, const_cast<std::uint8_t*>(b.pixels.data()));
  cv::Mat ca[3], cb[3];
  cv::split(ma, ca);
  cv::split(mb, cb);
  double ssim = 0.0;
  for (int c = 0; c < 3; ++c) ssim += channel_ssim(ca[c], cb[c]);
  out.ssim = ssim / 3.0;
  return out;
}

}  // namespace seedgrid::verify
