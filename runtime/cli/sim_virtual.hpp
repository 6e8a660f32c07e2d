#pragma once
// `seedgrid sim --virtual SCENARIO.json [--seed N] [--coordinators K]`: runs a scenario in the deterministic
// simulator (runtime/sim/) and prints its summary, then the host time it took. Exit status 0
// when every invariant held, 1 when one broke (the message names it, the seed and the virtual
// time), kUsageError for a scenario that cannot be read.
#include <cstdint>
#include <optional>
#include <string>

namespace seedgrid::cli {

// `seed`, `coordinators` unset: the scenario's own.
int run_virtual_sim(const std::string& scenario_path, std::optional<std::uint64_t> seed,
                    std::optional<std::uint32_t> coordinators = std::nullopt);

}  // namespace seedgrid::cli
