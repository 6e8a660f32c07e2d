#include "models/pipeline/render_limits.hpp"

#include <cmath>

namespace seedgrid {

RenderLimits render_limits_of(const UNetConfig& unet, const VaeConfig& vae) {
  const int levels = static_cast<int>(unet.block_out_channels.size());
  RenderLimits l;
  l.vae_downscale = vae.downscale();
  l.size_multiple = l.vae_downscale * (1 << (levels - 1));
  return l;
}

Result<RenderLimits> render_limits_of_size_multiple(int size_multiple) {
  const bool power_of_two = size_multiple > 0 && (size_multiple & (size_multiple - 1)) == 0;
  if (!power_of_two || size_multiple < 8 || size_multiple > kMaxImageSide)
    return fail("a size multiple is a power of two from 8 to ", kMaxImageSide,
                " (64 for SD 1.x and ", "2.x), got ", size_multiple);
  RenderLimits l;
  l.vae_downscale = 8;  // every SD VAE; size_multiple is what binds
  l.size_multiple = size_multiple;
  return l;
}

Result<void> check_image_side(const RenderLimits& limits, std::string_view name, int value) {
  const int m = limits.size_multiple;
  const int f = limits.vae_downscale;
  if (value < m || value > kMaxImageSide)
    return fail(name, " ", value, " is outside [", m, ", ", kMaxImageSide, "]");
  if (value % f != 0)
    return fail(name, " ", value, " is not a multiple of ", f, " (the VAE's downscale factor)");
  if (value % m != 0)
    return fail(name, " ", value, " is not a multiple of ", m, " (the latent, 1/", f,
                " of the image, must divide by ", m / f, " for the UNet's levels): try ",
                value / m * m);
  return {};
}

Result<void> check_guidance(float guidance) {
  if (!std::isfinite(guidance))
    return fail("guidance scale must be a finite number, found ", guidance);
  return {};
}

Result<void> check_render_parameters(const RenderLimits& limits, const GenerationSpec& spec) {
  if (auto ok = check_image_side(limits, "width", spec.width); !ok) return ok;
  if (auto ok = check_image_side(limits, "height", spec.height); !ok) return ok;
  if (auto ok = check_sampling_steps(spec.steps); !ok) return ok;
  if (auto ok = check_guidance(spec.guidance); !ok) return ok;
  return check_karras_schedule(spec.sampler, spec.karras);
}

}  // namespace seedgrid
