#pragma once
// WebP bytes of a rendered image (OpenCV's imgcodecs with libwebp), for clients that expect the
// format AI Horde returns inline. Lossless at quality above 100, lossy otherwise.
#include <cstdint>
#include <vector>

#include "models/pipeline/rgb_image.hpp"
#include "models/result.hpp"

namespace seedgrid {

Result<std::vector<std::uint8_t>> encode_webp(const RgbImage& image, int quality = 101);

}  // namespace seedgrid
