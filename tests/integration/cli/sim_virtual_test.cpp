// `seedgrid sim --virtual SCENARIO.json`: the deterministic simulator through the real binary.
#include <gtest/gtest.h>

#include <fstream>

#include "tests/integration/cli/cli_process.hpp"

namespace seedgrid::test {
namespace {

const std::string kScenario =
    std::string(SEEDGRID_SOURCE_DIR) + "/deployments/scenarios/small_mixed.json";

// The output without its last line (host time, which is not a function of the seed).
std::string summary_of(const std::string& output) {
  const auto host = output.find("host time ");
  return host == std::string::npos ? output : output.substr(0, host);
}

TEST(SimVirtual, ARunPrintsItsSummaryAndTheSameSeedPrintsTheSameOne) {
  const auto a = run_seedgrid("sim --virtual " + kScenario + " --seed 5", 120);
  ASSERT_EQ(a.status, 0) << a.output;
  EXPECT_TRUE(contains(a.output, "scenario small_mixed, seed 5")) << a.output;
  for (const char* figure :
       {"makespan ", "worker utilisation ", "queue wait p50 ", "requests/s", "audit cost ",
        "cheaters ", "money (credits)", "all held", "host time "})
    EXPECT_TRUE(contains(a.output, figure)) << figure << " missing from\n" << a.output;
  const auto b = run_seedgrid("sim --virtual " + kScenario + " --seed 5", 120);
  ASSERT_EQ(b.status, 0) << b.output;
  EXPECT_EQ(summary_of(a.output), summary_of(b.output));
  // Without --seed the scenario's own seed (7) runs.
  const auto c = run_seedgrid("sim --virtual " + kScenario, 120);
  ASSERT_EQ(c.status, 0) << c.output;
  EXPECT_TRUE(contains(c.output, "scenario small_mixed, seed 7")) << c.output;
}

TEST(SimVirtual, CoordinatorsFromTheCommandLineShareTheFleet) {
  const auto run = run_seedgrid("sim --virtual " + kScenario + " --coordinators 3", 120);
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_TRUE(contains(run.output, "coordinators (requests owned, messages handled, thread busy)"))
      << run.output;
  for (const char* row : {"   0: ", "   1: ", "   2: "})
    EXPECT_TRUE(contains(run.output, row)) << row << " missing from\n" << run.output;
  EXPECT_TRUE(contains(run.output, "all held")) << run.output;
  const auto bad = run_seedgrid("sim --virtual " + kScenario + " --coordinators 0");
  EXPECT_NE(bad.status, 0) << bad.output;
  EXPECT_TRUE(contains(bad.output, "--coordinators")) << bad.output;
}

TEST(SimVirtual, ABadScenarioIsAUsageErrorNamingTheKey) {
  ScratchDir dir;
  std::ofstream(dir.path("bad.json")) << R"({"workers": [{"count": 2, "sconds_per_image": 3}]})";
  const auto run = run_seedgrid("sim --virtual " + dir.path("bad.json"));
  EXPECT_EQ(run.status, 2) << run.output;
  EXPECT_TRUE(contains(run.output, "$.workers[0].sconds_per_image: unknown key")) << run.output;
  EXPECT_TRUE(contains(run.output, dir.path("bad.json"))) << run.output;
}

}  // namespace
}  // namespace seedgrid::test
