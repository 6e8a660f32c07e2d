// A coordinator that is not there: the user reads what failed and what to check, not CAF's
// `system_error(cannot_connect_to_node ...)`.
#include <gtest/gtest.h>

#include "tests/integration/cli/cli_process.hpp"

namespace seedgrid::test {
namespace {

TEST(ConnectionError, StatusNamesTheCoordinatorAndWhatToCheck) {
  const std::string endpoint = "127.0.0.1:" + std::to_string(closed_port());
  const auto run = run_seedgrid("status --coordinator " + endpoint);
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_TRUE(
      contains(run.output, "cannot reach the coordinator at " + endpoint + " (connection refused)"))
      << run.output;
  EXPECT_TRUE(contains(run.output, "check that the coordinator is running")) << run.output;
  EXPECT_FALSE(contains(run.output, "system_error")) << run.output;
  EXPECT_FALSE(contains(run.output, "cannot_connect_to_node")) << run.output;
}

TEST(ConnectionError, GenerateSaysTheSame) {
  ScratchDir dir;
  const std::string endpoint = "127.0.0.1:" + std::to_string(closed_port());
  const auto run = run_seedgrid("generate --coordinator " + endpoint + " --prompt cat --out " +
                                dir.path("out") + " --key " + dir.path("client.key"));
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_TRUE(
      contains(run.output, "cannot reach the coordinator at " + endpoint + " (connection refused)"))
      << run.output;
  EXPECT_FALSE(contains(run.output, "system_error")) << run.output;
}

TEST(ConnectionError, AnUnknownHostIsNamed) {
  const auto run = run_seedgrid("status --coordinator no-such-host.invalid:7400");
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_TRUE(contains(run.output, "(no such host)")) << run.output;
  EXPECT_TRUE(contains(run.output, "no-such-host.invalid")) << run.output;
}

}  // namespace
}  // namespace seedgrid::test
