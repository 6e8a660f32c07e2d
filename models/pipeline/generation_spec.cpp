#include "models/pipeline/generation_spec.hpp"

#include "models/result.hpp"

namespace seedgrid {

std::string batch_incompatibility(const GenerationSpec& a, const GenerationSpec& b) {
  if (a.width != b.width || a.height != b.height)
    return message_of("sizes differ (", a.width, "x", a.height, " and ", b.width, "x", b.height,
                      ")");
  if (a.steps != b.steps) return message_of("step counts differ (", a.steps, " and ", b.steps, ")");
  if (a.sampler != b.sampler || a.karras != b.karras)
    return message_of("samplers differ (", std::string(sampler_kind_name(a.sampler)),
                      a.karras ? " karras" : "", " and ", std::string(sampler_kind_name(b.sampler)),
                      b.karras ? " karras" : "", ")");
  if (a.init_image.has_value() != b.init_image.has_value())
    return "one job is img2img and the other is not";
  if (a.init_image && a.strength != b.strength)
    return message_of("img2img strengths differ (", a.strength, " and ", b.strength, ")");
  if (a.uses_guidance() != b.uses_guidance())
    return message_of("one job uses classifier-free guidance (scale ", a.guidance,
                      ") and the other not (scale ", b.guidance, ")");
  return {};
}

}  // namespace seedgrid
