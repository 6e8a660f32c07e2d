#include "runtime/gateway/horde_samplers.hpp"

#include <array>
#include <utility>

namespace seedgrid::gateway {

namespace {
constexpr std::array<std::pair<std::string_view, std::string_view>, 4> kSamplers{{
    {"k_euler", "euler"},
    {"k_euler_a", "euler_a"},
    {"k_dpmpp_2m", "dpmpp_2m"},
    {"DDIM", "ddim"},
}};
}  // namespace

std::optional<std::string> sampler_from_horde(std::string_view horde_name) {
  for (const auto& [horde, ours] : kSamplers)
    if (horde == horde_name) return std::string(ours);
  return std::nullopt;
}

std::string sampler_to_horde(std::string_view ours) {
  for (const auto& [horde, mine] : kSamplers)
    if (mine == ours) return std::string(horde);
  return std::string(ours);
}

std::string_view horde_sampler_list() { return "k_euler, k_euler_a, k_dpmpp_2m, DDIM"; }

}  // namespace seedgrid::gateway
