#pragma once
// What the simulator's tests share: a run's folder removed afterwards, a scenario from JSON text,
// and one whole run.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "runtime/sim/network.hpp"

namespace seedgrid::sim::testing {

class WorkDir {
 public:
  explicit WorkDir(std::uint64_t seed) : path_(fresh_work_dir(seed)) {}
  ~WorkDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline Scenario scenario_of(const std::string& json) {
  auto s = parse_scenario(json, "test scenario");
  EXPECT_TRUE(s) << s.error().message;
  return s ? *s : Scenario{};
}

inline Result<Summary> run(const Scenario& s, std::uint64_t seed) {
  WorkDir dir(seed);
  auto network = SimulatedNetwork::create(s, seed, dir.path());
  if (!network) return pass_on(network);
  return (*network)->run();
}

}  // namespace seedgrid::sim::testing
