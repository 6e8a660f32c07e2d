// deployments/localhost/start.sh refuses settings it cannot start a network with, before it makes
// anything (its full run is the standalone gateway test's).
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/integration/cli/cli_process.hpp"

namespace seedgrid::test {
namespace {

CliRun start_with(const ScratchDir& dir, const std::string& settings) {
  return run_shell("env " + settings + " SEEDGRID_BIN=" + SEEDGRID_BINARY + " SEEDGRID_RUN=" +
                   dir.path("run") + " bash " + SEEDGRID_SOURCE_DIR +
                   "/deployments/localhost/start.sh");
}

TEST(LocalhostStart, BadPortOrWorkerCountIsRefusedBeforeAnythingIsMade) {
  ScratchDir dir;
  const struct {
    std::string settings, message;
  } cases[] = {
      {"SEEDGRID_PORT=abc", "SEEDGRID_PORT must be a port number, found 'abc'"},
      {"SEEDGRID_PORT=70000", "SEEDGRID_PORT must be from 1 to 65535, found 70000"},
      {"SEEDGRID_WORKERS=0", "SEEDGRID_WORKERS must be from 1 to 64"},
      {"SEEDGRID_WORKERS=two", "SEEDGRID_WORKERS must be a number of workers, found 'two'"},
  };
  for (const auto& c : cases) {
    const auto run = start_with(dir, c.settings);
    EXPECT_EQ(run.status, 1) << c.settings << "\n" << run.output;
    EXPECT_TRUE(contains(run.output, c.message)) << c.settings << "\n" << run.output;
    EXPECT_FALSE(std::filesystem::exists(dir.path("run"))) << c.settings;
  }
}

}  // namespace
}  // namespace seedgrid::test
