#include "runtime/cli/sim_virtual.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "runtime/cli/command.hpp"
#include "runtime/sim/network.hpp"

namespace seedgrid::cli {

int run_virtual_sim(const std::string& scenario_path, std::optional<std::uint64_t> seed,
                    std::optional<std::uint32_t> coordinators) {
  auto scenario = sim::load_scenario(scenario_path);
  if (!scenario) {
    std::fprintf(stderr, "seedgrid sim: %s\n", scenario.error().message.c_str());
    return kUsageError;
  }
  if (coordinators) scenario->coordinators = *coordinators;
  const std::uint64_t run_seed = seed.value_or(scenario->seed);
  const std::string dir = sim::fresh_work_dir(run_seed);
  const auto started = std::chrono::steady_clock::now();
  int status = 0;
  {
    auto network = sim::SimulatedNetwork::create(*scenario, run_seed, dir);
    if (!network) {
      std::fprintf(stderr, "seedgrid sim: %s\n", network.error().message.c_str());
      status = 1;
    } else if (auto summary = (*network)->run(); !summary) {
      std::fprintf(stderr, "seedgrid sim: %s\n  scenario %s\n", summary.error().message.c_str(),
                   scenario_path.c_str());
      status = 1;
    } else {
      const double host_s =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      std::fputs(sim::format_summary(*summary).c_str(), stdout);
      // Host time is not part of the summary: the summary is a function of the seed.
      std::printf("host time %.2f s: %.0f events/s, %.0f jobs/s\n", host_s,
                  double(summary->events) / host_s, double(summary->jobs) / host_s);
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return status;
}

}  // namespace seedgrid::cli
