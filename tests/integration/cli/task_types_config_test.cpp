// coordinator.task_types as an operator meets it: `seedgrid node --check` reads and checks every
// task script as the node's start does, so a script that does not load is found before the node
// runs, named by its config entry, file and line.
#include <gtest/gtest.h>

#include <fstream>

#include "tests/integration/cli/cli_process.hpp"

namespace seedgrid::test {
namespace {

std::string coordinator_config(const std::string& data_dir, const std::string& script) {
  return R"({"roles": ["coordinator", "treasury"],
    "node": {"key_file": "k.key", "data_dir": ")" + data_dir + R"("},
    "coordinator": {"models": [{"id": ")" + std::string(64, 'a') + R"(", "size_multiple": 8}],
                    "task_types": [{"name": "hires_fix", "path": ")" + script + R"("}]}})";
}

TEST(TaskTypesConfig, AShippedScriptPassesTheCheck) {
  ScratchDir dir;
  const std::string file = dir.path("coordinator.json");
  std::ofstream(file) << coordinator_config(
      dir.path("data"), std::string(SEEDGRID_SOURCE_DIR) + "/models/tasks/hires_fix.lua");
  const auto run = run_seedgrid("node --check --config " + file);
  EXPECT_EQ(run.status, 0) << run.output;
}

TEST(TaskTypesConfig, AScriptThatDoesNotLoadIsNamedWithItsLine) {
  ScratchDir dir;
  const std::string script = dir.path("broken.lua");
  std::ofstream(script) << "name = \"broken\"\nparams = {\n  { name = \"scale\" type = \"int\" },\n}\n";
  const std::string file = dir.path("coordinator.json");
  std::ofstream(file) << coordinator_config(dir.path("data"), script);
  const auto run = run_seedgrid("node --check --config " + file);
  EXPECT_NE(run.status, 0) << run.output;
  EXPECT_TRUE(contains(run.output, "$.coordinator.task_types[0] (hires_fix)")) << run.output;
  EXPECT_TRUE(contains(run.output, "broken.lua:3")) << run.output;
}

}  // namespace
}  // namespace seedgrid::test
