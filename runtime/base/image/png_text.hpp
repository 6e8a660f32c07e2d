#pragma once
// Text chunks of a PNG file, written and read here rather than by OpenCV (which keeps none):
// tEXt when the text fits Latin-1 (the PNG spec's encoding for tEXt), iTXt (uncompressed UTF-8)
// otherwise, as PIL and so the other SD tools do. New chunks go right after IHDR.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "models/result.hpp"

namespace seedgrid {

struct PngText {
  std::string keyword;
  std::string text;  // UTF-8
};

// CRC-32 (ISO-HDLC, the PNG and zlib polynomial) of `bytes`.
std::uint32_t png_crc32(std::span<const std::uint8_t> bytes);

// `png` with a text chunk inserted after IHDR. The keyword must be 1-79 Latin-1 printable
// characters and the text valid UTF-8 without a NUL.
Result<std::vector<std::uint8_t>> insert_png_text(std::span<const std::uint8_t> png,
                                                  const PngText& entry);

// Every tEXt and uncompressed iTXt chunk, in file order. Fails on a malformed chunk layout or a
// bad CRC, naming the chunk.
Result<std::vector<PngText>> read_png_text(std::span<const std::uint8_t> png);

}  // namespace seedgrid
