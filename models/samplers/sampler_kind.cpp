#include "models/samplers/sampler_kind.hpp"

#include <array>
#include <string>

namespace seedgrid {

namespace {

struct KindNames {
  SamplerKind kind;
  std::string_view name;
  std::string_view display;
};

constexpr std::array<KindNames, 4> kKinds{{
    {SamplerKind::euler, "euler", "Euler"},
    {SamplerKind::euler_ancestral, "euler_a", "Euler a"},
    {SamplerKind::ddim, "ddim", "DDIM"},
    {SamplerKind::dpmpp_2m, "dpmpp_2m", "DPM++ 2M"},
}};

const KindNames& names_of(SamplerKind kind) {
  for (const auto& k : kKinds)
    if (k.kind == kind) return k;
  return kKinds[0];
}

}  // namespace

Result<SamplerKind> parse_sampler_kind(std::string_view name) {
  for (const auto& k : kKinds)
    if (k.name == name) return k.kind;
  return fail("unknown sampler '", std::string(name),
              "': expected euler, euler_a, ddim or dpmpp_2m");
}

std::string_view sampler_kind_name(SamplerKind kind) { return names_of(kind).name; }
std::string_view sampler_display_name(SamplerKind kind) { return names_of(kind).display; }

}  // namespace seedgrid
