#include "runtime/sim/cheat_detection.hpp"

#include <array>

namespace seedgrid::sim {

namespace {

constexpr std::array<CheatDetection, 11> kMeasured{{
    {"wrong_seed", 1.0, 1.0},
    {"fewer_steps", 1.0, 1.0},
    {"skipped_guidance", 1.0, 0.94},
    {"smaller_model", 1.0, 1.0},
    {"quantized_8bit", 1.0, 0.05},
    {"quantized_4bit", 1.0, 1.0},
    {"other_sampler", 1.0, 1.0},
    {"random_output", 1.0, 1.0},
    {"replayed_image", 1.0, 1.0},
    {"swapped_final_image", 1.0, 1.0},
    {"forged_trajectory", 1.0, 1.0},
}};

}  // namespace

std::optional<CheatDetection> cheat_detection(std::string_view kind) {
  for (const auto& row : kMeasured)
    if (row.kind == kind) return row;
  return std::nullopt;
}

std::vector<std::string> cheat_kinds() {
  std::vector<std::string> out;
  for (const auto& row : kMeasured) out.emplace_back(row.kind);
  return out;
}

}  // namespace seedgrid::sim
