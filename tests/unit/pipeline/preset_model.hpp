#pragma once
// Preset checkpoints written once per test process into a temporary folder (removed at exit), so
// every test of the binary shares one copy of each.
#include <string>

#include "models/presets/write_preset.hpp"

namespace seedgrid::testing {

// The checkpoint of `preset` with `seed`, written on first use. Aborts the test binary with the
// error when the preset cannot be written (nothing else could run).
const PresetWriteReport& preset_model(const std::string& preset, std::uint64_t seed);

}  // namespace seedgrid::testing
