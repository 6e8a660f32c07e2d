// A node's name is signed into its registration and shown in status and logs, so it must be one
// clean token: `seedgrid node` refuses a name a table or a log line cannot hold, naming it.
#include <gtest/gtest.h>

#include <fstream>

#include "tests/integration/cli/cli_process.hpp"

namespace seedgrid::test {
namespace {

std::string worker_config(const std::string& name) {
  return R"({"roles": ["worker"], "node": {"name": ")" + name + R"(", "key_file": "k"},
    "worker": {"coordinator": {"host": "127.0.0.1", "port": 7400}, "models": [{"path": "m"}]}})";
}

TEST(NodeName, ANameWithASpaceIsRefusedNamingIt) {
  ScratchDir dir;
  const std::string file = dir.path("worker.json");
  std::ofstream(file) << worker_config("gpu box");
  const auto run = run_seedgrid("node --check --config " + file);
  EXPECT_EQ(run.status, 2) << run.output;
  EXPECT_TRUE(contains(run.output, "$.node.name: node name 'gpu box' has ' ' at position 3"))
      << run.output;
}

TEST(NodeName, ATooLongNameIsRefused) {
  ScratchDir dir;
  const std::string file = dir.path("worker.json");
  std::ofstream(file) << worker_config(std::string(65, 'g'));
  const auto run = run_seedgrid("node --check --config " + file);
  EXPECT_EQ(run.status, 2) << run.output;
  EXPECT_TRUE(contains(run.output, "65 characters long; at most 64")) << run.output;
}

}  // namespace
}  // namespace seedgrid::test
