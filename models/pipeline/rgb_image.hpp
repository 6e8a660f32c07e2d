#pragma once
// An 8-bit RGB image: what the pipeline renders and what img2img takes.
#include <cstdint>
#include <vector>

namespace seedgrid {

struct RgbImage {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> pixels;  // height rows of width * 3 bytes (R, G, B)

  bool operator==(const RgbImage&) const = default;
};

}  // namespace seedgrid
