#include "models/pipeline/image_ops.hpp"

#include <algorithm>
#include <cstdint>

namespace seedgrid {

namespace {

constexpr int kMaxSide = 4096;

Result<void> check_image(const RgbImage& image, const char* what) {
  if (image.width < 1 || image.height < 1 ||
      image.pixels.size() != static_cast<std::size_t>(image.width) * image.height * 3)
    return fail(what, " is not a whole RGB image (", image.width, " x ", image.height, ", ",
                image.pixels.size(), " bytes)");
  return {};
}

// Where output coordinate i samples a source of `from` pixels scaled to `to`: the two source
// indices and the second's weight in 1/65536, half-pixel centres, clamped at the edges.
struct Tap {
  int lo = 0, hi = 0;
  std::int64_t w = 0;
};

Tap tap(int i, int from, int to) {
  // src = (i + 0.5) * from / to - 0.5, in 1/65536 units, exactly.
  const std::int64_t src =
      ((2 * std::int64_t{i} + 1) * from * 65536) / (2 * std::int64_t{to}) - 32768;
  if (src <= 0) return {0, 0, 0};
  const int lo = static_cast<int>(src >> 16);
  if (lo >= from - 1) return {from - 1, from - 1, 0};
  return {lo, lo + 1, src & 0xffff};
}

}  // namespace

Result<RgbImage> resize_image(const RgbImage& image, int width, int height) {
  if (auto ok = check_image(image, "the image to resize"); !ok) return pass_on(ok);
  if (width < 1 || height < 1 || width > kMaxSide || height > kMaxSide)
    return fail("cannot resize to ", width, " x ", height, ": each side must be 1 to ", kMaxSide);
  RgbImage out{width, height,
               std::vector<std::uint8_t>(static_cast<std::size_t>(width) * height * 3)};
  for (int y = 0; y < height; ++y) {
    const Tap ty = tap(y, image.height, height);
    for (int x = 0; x < width; ++x) {
      const Tap tx = tap(x, image.width, width);
      for (int c = 0; c < 3; ++c) {
        auto at = [&](int sy, int sx) -> std::int64_t {
          return image.pixels[(static_cast<std::size_t>(sy) * image.width + sx) * 3 + c];
        };
        const std::int64_t top = at(ty.lo, tx.lo) * (65536 - tx.w) + at(ty.lo, tx.hi) * tx.w;
        const std::int64_t bottom = at(ty.hi, tx.lo) * (65536 - tx.w) + at(ty.hi, tx.hi) * tx.w;
        const std::int64_t v = top * (65536 - ty.w) + bottom * ty.w;  // in 1/2^32
        out.pixels[(static_cast<std::size_t>(y) * width + x) * 3 + c] = static_cast<std::uint8_t>(
            std::min<std::int64_t>(255, (v + (std::int64_t{1} << 31)) >> 32));
      }
    }
  }
  return out;
}

Result<RgbImage> crop_image(const RgbImage& image, int left, int top, int width, int height) {
  if (auto ok = check_image(image, "the image to crop"); !ok) return pass_on(ok);
  if (left < 0 || top < 0 || width < 1 || height < 1 || left + width > image.width ||
      top + height > image.height)
    return fail("the crop of ", width, " x ", height, " at (", left, ", ", top,
                ") does not lie inside the ", image.width, " x ", image.height, " image");
  RgbImage out{width, height,
               std::vector<std::uint8_t>(static_cast<std::size_t>(width) * height * 3)};
  for (int y = 0; y < height; ++y) {
    const auto from =
        image.pixels.begin() +
        static_cast<std::ptrdiff_t>((static_cast<std::size_t>(top + y) * image.width + left) * 3);
    std::copy(from, from + static_cast<std::ptrdiff_t>(width) * 3,
              out.pixels.begin() + static_cast<std::ptrdiff_t>(y) * width * 3);
  }
  return out;
}

Result<RgbImage> blend_images(const RgbImage& a, const RgbImage& b, const RgbImage& mask) {
  for (auto [image, what] : {std::pair{&a, "the first image"}, std::pair{&b, "the second image"},
                             std::pair{&mask, "the mask"}})
    if (auto ok = check_image(*image, what); !ok) return pass_on(ok);
  if (b.width != a.width || b.height != a.height || mask.width != a.width ||
      mask.height != a.height)
    return fail("blending needs three images of one size, found ", a.width, " x ", a.height, ", ",
                b.width, " x ", b.height, " and a ", mask.width, " x ", mask.height, " mask");
  RgbImage out{a.width, a.height, std::vector<std::uint8_t>(a.pixels.size())};
  for (std::size_t p = 0; p < a.pixels.size(); p += 3) {
    const int m = (mask.pixels[p] + mask.pixels[p + 1] + mask.pixels[p + 2] + 1) / 3;
    for (std::size_t c = 0; c < 3; ++c)
      out.pixels[p + c] = static_cast<std::uint8_t>(
          (2 * (a.pixels[p + c] * (255 - m) + b.pixels[p + c] * m) + 255) / 510);
  }
  return out;
}

}  // namespace seedgrid
