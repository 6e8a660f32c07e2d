// Pixel operations task scripts compose: a bilinear resize with half-pixel centres in integer
// arithmetic (its values worked out by hand), crops, and blends under a mask.
#include "models/pipeline/image_ops.hpp"

#include <gtest/gtest.h>

namespace seedgrid {
namespace {

RgbImage grey_image(int width, int height, std::vector<std::uint8_t> values) {
  RgbImage image{width, height, {}};
  for (auto v : values) image.pixels.insert(image.pixels.end(), {v, v, v});
  return image;
}

std::vector<std::uint8_t> red_of(const RgbImage& image) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i < image.pixels.size(); i += 3) out.push_back(image.pixels[i]);
  return out;
}

TEST(ResizeImage, DoublesAnImageAsBilinearInterpolationWithHalfPixelCentresDoes) {
  // Rows [0, 100] and [200, 40] to 4 x 4: 1-D taps 1, 3/4 + 1/4, 1/4 + 3/4, 1 (edges clamped).
  auto y = resize_image(grey_image(2, 2, {0, 100, 200, 40}), 4, 4);
  ASSERT_TRUE(y) << y.error().message;
  EXPECT_EQ(red_of(*y), (std::vector<std::uint8_t>{0, 25, 75, 100,        //
                                                   50, 59, 76, 85,        // 58.75, 76.25 rounded
                                                   150, 126, 79, 55,      // 126.25, 78.75
                                                   200, 160, 80, 40}));
  auto same = resize_image(*y, 4, 4);
  ASSERT_TRUE(same);
  EXPECT_EQ(*same, *y) << "its own size: the same bytes";
  auto down = resize_image(*y, 2, 1);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->width, 2);
  EXPECT_EQ(down->height, 1);
  auto refused = resize_image(*y, 0, 4);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("0 x 4"), std::string::npos) << refused.error().message;
}

TEST(CropImage, TakesThePartAskedAndRefusesOneOutside) {
  const RgbImage image = grey_image(3, 2, {1, 2, 3, 4, 5, 6});
  auto part = crop_image(image, 1, 0, 2, 2);
  ASSERT_TRUE(part) << part.error().message;
  EXPECT_EQ(red_of(*part), (std::vector<std::uint8_t>{2, 3, 5, 6}));
  auto outside = crop_image(image, 2, 0, 2, 2);
  ASSERT_FALSE(outside);
  EXPECT_NE(outside.error().message.find("3 x 2 image"), std::string::npos)
      << outside.error().message;
}

TEST(BlendImages, TheMaskPicksBetweenTheTwoImages) {
  const RgbImage a = grey_image(3, 1, {10, 10, 10}), b = grey_image(3, 1, {210, 210, 210});
  auto mixed = blend_images(a, b, grey_image(3, 1, {0, 255, 128}));
  ASSERT_TRUE(mixed) << mixed.error().message;
  // 128: (10·127 + 210·128) / 255 = 110.39 -> 110.
  EXPECT_EQ(red_of(*mixed), (std::vector<std::uint8_t>{10, 210, 110}));
  auto refused = blend_images(a, grey_image(2, 1, {0, 0}), a);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("one size"), std::string::npos) << refused.error().message;
}

}  // namespace
}  // namespace seedgrid
