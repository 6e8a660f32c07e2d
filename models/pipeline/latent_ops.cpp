#include "models/pipeline/latent_ops.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace seedgrid {
namespace {

Result<void> check_host_latent(const Tensor& t, const char* what) {
  if (!t.defined() || t.rank() != 4 || t.dim(0) != 1 || t.dtype() != DType::f32 ||
      t.device() != Device::cpu)
    return fail(what, " must be a host f32 latent [1, C, h, w], found ",
                t.defined() ? t.describe() : std::string("nothing"));
  return {};
}

// Where output index `o` of `out` samples an axis of `in` values: the two neighbours and the
// weight of the second (half-pixel centres, clamped at both edges).
struct Tap {
  std::int64_t low, high;
  float weight;
};

Tap tap(std::int64_t o, std::int64_t in, std::int64_t out) {
  const float scale = static_cast<float>(in) / static_cast<float>(out);
  const float source = std::max((static_cast<float>(o) + 0.5f) * scale - 0.5f, 0.0f);
  const auto low = std::min(static_cast<std::int64_t>(source), in - 1);
  const auto high = std::min(low + 1, in - 1);
  return {low, high, source - static_cast<float>(low)};
}

}  // namespace

Result<Tensor> resize_latent(const Tensor& latent, int height, int width) {
  if (auto ok = check_host_latent(latent, "the latent"); !ok) return pass_on(ok);
  if (height < 1 || width < 1 || height > 4096 || width > 4096)
    return fail("a latent of ", width, " x ", height, " is not a size to resize to (1 to 4096)");
  const std::int64_t channels = latent.dim(1), in_h = latent.dim(2), in_w = latent.dim(3);
  Tensor out = Tensor::host({1, channels, height, width});
  const float* x = latent.f32();
  float* y = out.f32();
  for (std::int64_t c = 0; c < channels; ++c) {
    const float* plane = x + c * in_h * in_w;
    for (std::int64_t oy = 0; oy < height; ++oy) {
      const Tap ty = tap(oy, in_h, height);
      for (std::int64_t ox = 0; ox < width; ++ox) {
        const Tap tx = tap(ox, in_w, width);
        const float top = plane[ty.low * in_w + tx.low] * (1.0f - tx.weight) +
                          plane[ty.low * in_w + tx.high] * tx.weight;
        const float bottom = plane[ty.high * in_w + tx.low] * (1.0f - tx.weight) +
                             plane[ty.high * in_w + tx.high] * tx.weight;
        y[(c * height + oy) * width + ox] = top * (1.0f - ty.weight) + bottom * ty.weight;
      }
    }
  }
  return out;
}

Result<Tensor> blend_noise(const Tensor& a, const Tensor& b, float t) {
  if (auto ok = check_host_latent(a, "the first noise"); !ok) return pass_on(ok);
  if (auto ok = check_host_latent(b, "the second noise"); !ok) return pass_on(ok);
  if (a.shape() != b.shape())
    return fail("noises of shapes ", shape_string(a.shape()), " and ", shape_string(b.shape()),
                " cannot be blended: render both at the same size");
  if (!(t >= 0.0f && t <= 1.0f)) return fail("a blend of ", t, " is outside [0, 1]");
  // The ends are the noises themselves (the sum below would turn a -0 into +0).
  if (t == 0.0f || t == 1.0f) {
    const Tensor& same = t == 0.0f ? a : b;
    return Tensor::host_f32(same.shape(), std::vector<float>(same.f32(), same.f32() + same.numel()));
  }
  const float keep = 1.0f - t;
  const float norm = std::sqrt(keep * keep + t * t);  // sqrt is correctly rounded (IEEE 754)
  Tensor out = Tensor::host(a.shape());
  const float* x = a.f32();
  const float* z = b.f32();
  float* y = out.f32();
  for (std::int64_t i = 0; i < a.numel(); ++i) y[i] = (keep * x[i] + t * z[i]) / norm;
  return out;
}

Result<Tensor> keep_region(const Tensor& rendered, const Tensor& known, const Tensor& mask) {
  if (auto ok = check_host_latent(rendered, "the rendered latent"); !ok) return pass_on(ok);
  if (auto ok = check_host_latent(known, "the known latent"); !ok) return pass_on(ok);
  if (auto ok = check_host_latent(mask, "the mask"); !ok) return pass_on(ok);
  const std::int64_t channels = rendered.dim(1), cells = rendered.dim(2) * rendered.dim(3);
  if (known.shape() != rendered.shape() || mask.dim(1) != 1 || mask.dim(2) != rendered.dim(2) ||
      mask.dim(3) != rendered.dim(3))
    return fail("a mask of ", shape_string(mask.shape()), " cannot blend latents of ",
                shape_string(rendered.shape()), " and ", shape_string(known.shape()));
  Tensor out = Tensor::host(rendered.shape());
  const float* x = rendered.f32();
  const float* k = known.f32();
  const float* m = mask.f32();
  float* y = out.f32();
  for (std::int64_t c = 0; c < channels; ++c)
    for (std::int64_t i = 0; i < cells; ++i) {
      const std::int64_t at = c * cells + i;
      const float w = m[i];
      // A whole cell takes its latent's bits as they are (the blend would turn -0 into +0).
      y[at] = w == 1.0f ? x[at] : w == 0.0f ? k[at] : w * x[at] + (1.0f - w) * k[at];
    }
  return out;
}

Result<Tensor> latent_mask(const RgbImage& mask, std::int64_t height, std::int64_t width,
                           int factor) {
  if (mask.width != width * factor || mask.height != height * factor ||
      mask.pixels.size() != static_cast<std::size_t>(mask.width) * mask.height * 3)
    return fail("the mask is ", mask.width, " x ", mask.height, " pixels but the image it marks is ",
                width * factor, " x ", height * factor);
  Tensor out = Tensor::host({1, 1, height, width});
  float* y = out.f32();
  for (std::int64_t py = 0; py < mask.height; ++py)
    for (std::int64_t px = 0; px < mask.width; ++px) {
      const std::uint8_t* rgb = &mask.pixels[static_cast<std::size_t>((py * mask.width + px) * 3)];
      if (rgb[0] + rgb[1] + rgb[2] >= 3 * 128) y[(py / factor) * width + px / factor] = 1.0f;
    }
  return out;
}

Result<PaddedImage> pad_image(const RgbImage& image, int left, int top, int right, int bottom) {
  if (left < 0 || top < 0 || right < 0 || bottom < 0)
    return fail("margins must not be negative, found left ", left, ", top ", top, ", right ",
                right, ", bottom ", bottom);
  if (image.width < 1 || image.height < 1) return fail("there is no image to extend");
  const int width = image.width + left + right, height = image.height + top + bottom;
  if (width > 4096 || height > 4096)
    return fail("the extended image would be ", width, " x ", height, " pixels (at most 4096 a side)");
  PaddedImage out;
  out.image = {width, height, std::vector<std::uint8_t>(static_cast<std::size_t>(width) * height * 3)};
  out.mask = {width, height, std::vector<std::uint8_t>(static_cast<std::size_t>(width) * height * 3)};
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      const int sx = std::clamp(x - left, 0, image.width - 1);
      const int sy = std::clamp(y - top, 0, image.height - 1);
      const bool inside = x - left == sx && y - top == sy;
      const std::size_t to = (static_cast<std::size_t>(y) * width + x) * 3;
      const std::size_t from = (static_cast<std::size_t>(sy) * image.width + sx) * 3;
      for (int ch = 0; ch < 3; ++ch) {
        out.image.pixels[to + ch] = image.pixels[from + ch];
        out.mask.pixels[to + ch] = inside ? 0 : 255;
      }
    }
  return out;
}

}  // namespace seedgrid
