#pragma once
// AI Horde's sampler names and seedgrid's: k_euler = euler, k_euler_a = euler_a,
// k_dpmpp_2m = dpmpp_2m, DDIM = ddim. Horde's other samplers have no seedgrid kernel and are
// refused rather than silently replaced.
#include <optional>
#include <string>
#include <string_view>

namespace seedgrid::gateway {

std::optional<std::string> sampler_from_horde(std::string_view horde_name);
std::string sampler_to_horde(std::string_view ours);
// For error messages: "k_euler, k_euler_a, k_dpmpp_2m, DDIM".
std::string_view horde_sampler_list();

}  // namespace seedgrid::gateway
