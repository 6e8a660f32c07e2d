// The host operations task scripts use between passes: a bilinear resize that gives PyTorch's
// interpolate(mode="bilinear", align_corners=False) values, a noise blend whose ends are the
// noises themselves and whose middle keeps unit variance, and inpainting's pieces (the masked
// blend, a mask image as latent cells, an image extended for outpainting).
#include "models/pipeline/latent_ops.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <random>

namespace seedgrid {
namespace {

TEST(ResizeLatent, DoublesAPlaneAsPyTorchsBilinearInterpolationDoes) {
  const Tensor x = Tensor::host_f32({1, 1, 2, 2}, {1, 2, 3, 4});
  auto y = resize_latent(x, 4, 4);
  ASSERT_TRUE(y) << y.error().message;
  ASSERT_EQ(y->shape(), (Shape{1, 1, 4, 4}));
  const float expected[16] = {1.0f, 1.25f, 1.75f, 2.0f, 1.5f, 1.75f, 2.25f, 2.5f,
                              2.5f, 2.75f, 3.25f, 3.5f, 3.0f, 3.25f, 3.75f, 4.0f};
  for (int i = 0; i < 16; ++i) EXPECT_EQ(y->f32()[i], expected[i]) << "element " << i;
}

TEST(ResizeLatent, KeepsChannelsApartAndRefusesWhatIsNotALatent) {
  std::vector<float> values(2 * 3 * 5);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = i < 15 ? 1.0f : -2.0f;
  auto y = resize_latent(Tensor::host_f32({1, 2, 3, 5}, values), 6, 10);
  ASSERT_TRUE(y) << y.error().message;
  for (std::int64_t i = 0; i < 60; ++i) EXPECT_EQ(y->f32()[i], 1.0f);
  for (std::int64_t i = 60; i < 120; ++i) EXPECT_EQ(y->f32()[i], -2.0f);
  const auto flat = resize_latent(Tensor::host_f32({4}, {1, 2, 3, 4}), 2, 2);
  ASSERT_FALSE(flat);
  EXPECT_NE(flat.error().message.find("must be a host f32 latent [1, C, h, w], found f32[4]"),
            std::string::npos)
      << flat.error().message;
  EXPECT_FALSE(resize_latent(Tensor::host_f32({1, 1, 1, 1}, {1}), 0, 4));
}

class BlendNoise : public ::testing::Test {
 protected:
  static Tensor gaussian(std::uint32_t seed, std::int64_t n) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal;
    std::vector<float> v(static_cast<std::size_t>(n));
    for (auto& x : v) x = normal(rng);
    v[0] = -0.0f;  // the ends keep even a negative zero
    return Tensor::host_f32({1, 4, 64, n / 256}, v);
  }
  static bool same_bits(const Tensor& a, const Tensor& b) {
    for (std::int64_t i = 0; i < a.numel(); ++i)
      if (std::bit_cast<std::uint32_t>(a.f32()[i]) != std::bit_cast<std::uint32_t>(b.f32()[i]))
        return false;
    return true;
  }
};

TEST_F(BlendNoise, TheEndsAreEachNoiseAndTheMiddleKeepsUnitVariance) {
  const Tensor a = gaussian(1, 4 * 64 * 64), b = gaussian(2, 4 * 64 * 64);
  EXPECT_TRUE(same_bits(*blend_noise(a, b, 0.0f), a));
  EXPECT_TRUE(same_bits(*blend_noise(a, b, 1.0f), b));
  for (float t : {0.1f, 0.5f, 0.9f}) {
    auto mid = blend_noise(a, b, t);
    ASSERT_TRUE(mid) << mid.error().message;
    double sum = 0, squares = 0;
    for (std::int64_t i = 0; i < mid->numel(); ++i) {
      sum += mid->f32()[i];
      squares += static_cast<double>(mid->f32()[i]) * mid->f32()[i];
    }
    const double n = static_cast<double>(mid->numel());
    const double variance = squares / n - (sum / n) * (sum / n);
    EXPECT_NEAR(variance, 1.0, 0.05) << "t " << t;
    EXPECT_TRUE(same_bits(*mid, *blend_noise(a, b, t))) << "the same bits every time";
  }
}

TEST_F(BlendNoise, RefusesNoisesOfTwoSizesAndABlendOutsideZeroToOne) {
  const Tensor a = gaussian(1, 4 * 64 * 64), b = gaussian(2, 4 * 64 * 128);
  const auto sizes = blend_noise(a, b, 0.5f);
  ASSERT_FALSE(sizes);
  EXPECT_NE(sizes.error().message.find("[1, 4, 64, 64] and [1, 4, 64, 128] cannot be blended"),
            std::string::npos)
      << sizes.error().message;
  EXPECT_FALSE(blend_noise(a, a, 1.5f));
  EXPECT_FALSE(blend_noise(a, a, std::nanf("")));
}

TEST(KeepRegion, TakesTheRenderedCellsWhereTheMaskIsOneAndTheKnownOnesWhereItIsZero) {
  const Tensor rendered = Tensor::host_f32({1, 2, 1, 3}, {1, 2, 3, 4, 5, 6});
  const Tensor known = Tensor::host_f32({1, 2, 1, 3}, {-1, -2, -3, -4, -5, -6});
  const Tensor mask = Tensor::host_f32({1, 1, 1, 3}, {1, 0, 0.25f});
  auto y = keep_region(rendered, known, mask);
  ASSERT_TRUE(y) << y.error().message;
  const float expected[6] = {1, -2, 0.25f * 3 + 0.75f * -3, 4, -5, 0.25f * 6 + 0.75f * -6};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(y->f32()[i], expected[i]) << "element " << i;
  EXPECT_FALSE(keep_region(rendered, known, Tensor::host_f32({1, 1, 1, 2}, {1, 0})));
}

RgbImage flat(int width, int height, std::uint8_t value) {
  return {width, height,
          std::vector<std::uint8_t>(static_cast<std::size_t>(width) * height * 3, value)};
}

TEST(LatentMask, MarksEveryCellWithABrightPixelAndChecksTheSize) {
  RgbImage mask = flat(16, 8, 0);
  mask.pixels[(7 * 16 + 9) * 3 + 0] = 255;  // one pixel in the second cell, three channels'
  mask.pixels[(7 * 16 + 9) * 3 + 1] = 255;  // mean at least 128
  mask.pixels[(7 * 16 + 9) * 3 + 2] = 200;
  mask.pixels[(0 * 16 + 0) * 3 + 0] = 255;  // a red pixel alone is not bright
  auto m = latent_mask(mask, 1, 2, 8);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->f32()[0], 0.0f);
  EXPECT_EQ(m->f32()[1], 1.0f);
  const auto wrong = latent_mask(mask, 2, 2, 8);
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message.find("the mask is 16 x 8 pixels but the image it marks is 16 x 16"),
            std::string::npos)
      << wrong.error().message;
}

TEST(PadImage, RepeatsTheEdgesOutwardsAndMarksOnlyWhatIsNew) {
  RgbImage image = flat(2, 1, 0);
  image.pixels = {10, 11, 12, 20, 21, 22};
  auto padded = pad_image(image, 1, 1, 2, 0);
  ASSERT_TRUE(padded) << padded.error().message;
  ASSERT_EQ(padded->image.width, 5);
  ASSERT_EQ(padded->image.height, 2);
  const auto red = [&](int x, int y) { return padded->image.pixels[(y * 5 + x) * 3]; };
  const auto marked = [&](int x, int y) { return padded->mask.pixels[(y * 5 + x) * 3] == 255; };
  EXPECT_EQ(red(0, 0), 10);
  EXPECT_EQ(red(1, 1), 10);
  EXPECT_EQ(red(2, 1), 20);
  EXPECT_EQ(red(4, 1), 20);
  EXPECT_FALSE(marked(1, 1));
  EXPECT_FALSE(marked(2, 1));
  EXPECT_TRUE(marked(0, 1));
  EXPECT_TRUE(marked(1, 0));
  EXPECT_TRUE(marked(3, 1));
  EXPECT_FALSE(pad_image(image, -1, 0, 0, 0));
}

}  // namespace
}  // namespace seedgrid
