#include "models/pipeline/pixel_conversion.hpp"

#include <algorithm>
#include <cmath>

namespace seedgrid {

std::uint8_t pixel_from_value(float x) {
  // NaN maps to 0 rather than to an undefined conversion.
  const float unit = std::clamp(x * 0.5f + 0.5f, 0.0f, 1.0f);
  if (std::isnan(unit)) return 0;
  return static_cast<std::uint8_t>(std::nearbyint(unit * 255.0f));
}

std::vector<RgbImage> images_from_tensor(const Tensor& images) {
  const auto batch = images.dim(0), height = images.dim(2), width = images.dim(3);
  const float* data = images.f32();
  std::vector<RgbImage> out(static_cast<std::size_t>(batch));
  const std::int64_t plane = height * width;
  for (std::int64_t b = 0; b < batch; ++b) {
    RgbImage& img = out[static_cast<std::size_t>(b)];
    img.width = static_cast<int>(width);
    img.height = static_cast<int>(height);
    img.pixels.resize(static_cast<std::size_t>(plane * 3));
    const float* src = data + b * 3 * plane;
    for (std::int64_t i = 0; i < plane; ++i)
      for (std::int64_t c = 0; c < 3; ++c)
        img.pixels[static_cast<std::size_t>(i * 3 + c)] = pixel_from_value(src[c * plane + i]);
  }
  return out;
}

Tensor tensor_from_image(const RgbImage& image) {
  const std::int64_t plane = static_cast<std::int64_t>(image.width) * image.height;
  Tensor t = Tensor::host({1, 3, image.height, image.width});
  float* dst = t.f32();
  for (std::int64_t i = 0; i < plane; ++i)
    for (std::int64_t c = 0; c < 3; ++c)
      dst[c * plane + i] =
          static_cast<float>(image.pixels[static_cast<std::size_t>(i * 3 + c)]) / 255.0f * 2.0f -
          1.0f;
  return t;
}

}  // namespace seedgrid
