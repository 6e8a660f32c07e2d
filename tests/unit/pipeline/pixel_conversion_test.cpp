#include "models/pipeline/pixel_conversion.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace seedgrid {
namespace {

TEST(PixelConversion, RoundsAsDiffusersPostprocess) {
  EXPECT_EQ(pixel_from_value(-1.0f), 0);
  EXPECT_EQ(pixel_from_value(1.0f), 255);
  EXPECT_EQ(pixel_from_value(-7.0f), 0);
  EXPECT_EQ(pixel_from_value(3.0f), 255);
  // 0 -> 0.5 * 255 = 127.5: numpy's round goes to the even neighbour.
  EXPECT_EQ(pixel_from_value(0.0f), 128);
  // 0.5 * 255 - 1 = 126.5 needs x = (126.5 / 255 - 0.5) * 2: exact in float only approximately, so
  // check the neighbours instead of the tie.
  EXPECT_EQ(pixel_from_value((126.4f / 255.0f - 0.5f) * 2.0f), 126);
  EXPECT_EQ(pixel_from_value((126.6f / 255.0f - 0.5f) * 2.0f), 127);
  EXPECT_EQ(pixel_from_value(std::numeric_limits<float>::quiet_NaN()), 0);
  EXPECT_EQ(pixel_from_value(std::numeric_limits<float>::infinity()), 255);
}

TEST(PixelConversion, ImagesRoundTripThroughTensors) {
  RgbImage img{16, 16, {}};
  for (int i = 0; i < 16 * 16 * 3; ++i) img.pixels.push_back(static_cast<std::uint8_t>(i % 256));
  const Tensor t = tensor_from_image(img);
  ASSERT_EQ(t.shape(), (Shape{1, 3, 16, 16}));
  // Channel planes: pixel 0's red, green and blue are 0, 1, 2 -> -1, -1 + 2/255, -1 + 4/255.
  EXPECT_EQ(t.f32()[0], -1.0f);
  EXPECT_FLOAT_EQ(t.f32()[256], 1.0f / 255.0f * 2.0f - 1.0f);
  EXPECT_FLOAT_EQ(t.f32()[512], 2.0f / 255.0f * 2.0f - 1.0f);
  const std::vector<RgbImage> back = images_from_tensor(t);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0], img);
}

}  // namespace
}  // namespace seedgrid
