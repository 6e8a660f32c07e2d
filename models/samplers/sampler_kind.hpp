#pragma once
// The samplers seedgrid implements, with diffusers' semantics (see sampler.hpp).
#include <cstdint>
#include <string_view>

#include "models/result.hpp"

namespace seedgrid {

enum class SamplerKind : std::uint8_t { euler, euler_ancestral, ddim, dpmpp_2m };

// "euler", "euler_a", "ddim", "dpmpp_2m" (the CLI and protocol names).
Result<SamplerKind> parse_sampler_kind(std::string_view name);
std::string_view sampler_kind_name(SamplerKind kind);
// The name other SD tools (A1111) write into PNG parameters: "Euler", "Euler a", "DDIM", "DPM++
// 2M".
std::string_view sampler_display_name(SamplerKind kind);

}  // namespace seedgrid
