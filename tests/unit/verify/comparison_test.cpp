#include "runtime/base/verify/comparison.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace seedgrid::verify {
namespace {

RgbImage gradient(int w, int h) {
  RgbImage img{w, h, std::vector<std::uint8_t>(static_cast<std::size_t>(w) * h * 3)};
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c)
        img.pixels[(static_cast<std::size_t>(y) * w + x) * 3 + c] =
            static_cast<std::uint8_t>((x * 3 + y * 5 + c * 40) % 256);
  return img;
}

TEST(StepError, IsTheDifferenceOverTheUpdate) {
  const Tensor x = Tensor::host_f32({1, 1, 1, 2}, {0.0f, 0.0f});
  const Tensor claimed = Tensor::host_f32({1, 1, 1, 2}, {3.0f, 4.0f});   // update norm 5
  const Tensor expected = Tensor::host_f32({1, 1, 1, 2}, {3.0f, 4.5f});  // difference 0.5
  EXPECT_DOUBLE_EQ(step_error(x, claimed, expected), 0.1);
  EXPECT_EQ(step_error(x, claimed, claimed), 0.0);
}

TEST(StepError, ZeroUpdateWithADifferenceIsInfinite) {
  const Tensor x = Tensor::host_f32({1, 1, 1, 2}, {1.0f, 2.0f});
  const Tensor expected = Tensor::host_f32({1, 1, 1, 2}, {1.5f, 2.0f});
  EXPECT_TRUE(std::isinf(step_error(x, x, expected)));
}

TEST(ImageDifference, IdenticalImagesAreInfinitePsnrAndSsimOne) {
  const RgbImage a = gradient(32, 24);
  const ImageDifference d = image_difference(a, a);
  EXPECT_TRUE(std::isinf(d.psnr_db));
  EXPECT_EQ(d.ssim, 1.0);
}

TEST(ImageDifference, SmallNoiseIsHighPsnrAndLargeChangeIsLow) {
  const RgbImage a = gradient(32, 24);
  RgbImage near = a;
  for (std::size_t i = 0; i < near.pixels.size(); i += 7) near.pixels[i] ^= 1;
  const ImageDifference small = image_difference(a, near);
  EXPECT_GT(small.psnr_db, 45.0);
  EXPECT_GT(small.ssim, 0.98);
  RgbImage far = a;
  for (auto& p : far.pixels) p = static_cast<std::uint8_t>(255 - p);
  const ImageDifference large = image_difference(a, far);
  EXPECT_LT(large.psnr_db, 15.0);
  EXPECT_LT(large.ssim, 0.5);
  // One flipped value: PSNR from the MSE over every channel value.
  RgbImage one = a;
  one.pixels[0] = static_cast<std::uint8_t>(one.pixels[0] ^ 0x10);
  const double mse = 256.0 / static_cast<double>(a.pixels.size());
  EXPECT_NEAR(image_difference(a, one).psnr_db, 10.0 * std::log10(255.0 * 255.0 / mse), 1e-9);
}

TEST(ImageDifference, DifferentSizesAreTheWorstDifference) {
  const ImageDifference d = image_difference(gradient(32, 24), gradient(24, 32));
  EXPECT_EQ(d.psnr_db, 0.0);
  EXPECT_EQ(d.ssim, 0.0);
}

}  // namespace
}  // namespace seedgrid::verify
