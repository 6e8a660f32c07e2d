#pragma once
// Cross-class thresholds calibrated for one model. How far two honest determinism classes drift
// apart depends on the model: on the random-weight presets they stay within a step error of 0.01,
// on the trained shapes model they reach 0.04, past the shipped fail threshold, so a validator
// would fail honest workers of the other class there. bench/calibrate writes the model's own as
// calibrated_thresholds.json in its folder (`--thresholds-json`); a validator audits that model's
// jobs with them, and every other model's with its configured ones.
#include <optional>
#include <string>

#include "config/validator_thresholds.hpp"
#include "models/result.hpp"

namespace seedgrid::config {

inline constexpr const char* kModelThresholdsFile = "calibrated_thresholds.json";

// The thresholds in the folder `model_path` (a diffusers folder; a single-file checkpoint has none
// of its own); nothing when there is no such file. Errors name the file and each bad field.
Result<std::optional<ValidatorThresholds>> read_model_thresholds(const std::string& model_path);

// The file's text for `t`, with a line saying how they were measured.
std::string model_thresholds_json(const ValidatorThresholds& t, const std::string& measured);

}  // namespace seedgrid::config
