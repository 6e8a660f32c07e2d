#pragma once
// --seed as other Stable Diffusion tools take it: a number from 0 to 2^64-1, or -1 (or "random")
// for a random seed, which the command then prints so the image can be made again. CLI11 read -1
// into an unsigned seed as 18446744073709551615.
#include <cstdint>
#include <optional>
#include <string>

#include "models/result.hpp"

namespace seedgrid::cli {

// The seed, or nothing for "choose one at random"; an error quotes the text.
Result<std::optional<std::uint64_t>> parse_seed(const std::string& text);
// A random seed below 2^32 (what A1111 and ComfyUI show, easy to type back).
std::uint64_t random_seed();

}  // namespace seedgrid::cli
