#pragma once
// PNG files of rendered images: pixels encoded and decoded by OpenCV's imgcodecs, plus the
// "parameters" text chunk (generation_parameters.hpp) that SD tools read back.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "models/pipeline/rgb_image.hpp"
#include "models/result.hpp"

namespace seedgrid {

inline constexpr const char* kPngParametersKeyword = "parameters";

// PNG bytes of `image`, with a "parameters" text chunk when `parameters` is non-empty.
Result<std::vector<std::uint8_t>> encode_png(const RgbImage& image, const std::string& parameters);
Result<void> write_png(const std::string& path, const RgbImage& image,
                       const std::string& parameters);

struct DecodedPng {
  RgbImage image;                         // 8-bit RGB whatever the file held (gray, alpha, 16-bit)
  std::optional<std::string> parameters;  // the "parameters" text, when present
};

Result<DecodedPng> decode_png(std::span<const std::uint8_t> bytes);
// Any image OpenCV reads (PNG, WebP, JPEG) as 8-bit RGB: what a client uploads.
Result<RgbImage> decode_image(std::span<const std::uint8_t> bytes);
// Errors name the path.
Result<DecodedPng> read_png(const std::string& path);

}  // namespace seedgrid
