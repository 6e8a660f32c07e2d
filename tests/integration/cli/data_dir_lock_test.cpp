// Two nodes on one data_dir would share a journal and a ledger: the second is refused at start,
// naming the pid of the node that holds it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/integration/cli/cli_process.hpp"
#include "tests/integration/cli/node_process.hpp"

namespace seedgrid::test {
namespace {

// A treasury node listening on a free port, its data in DIR/data.
std::string treasury_config(const ScratchDir& dir) {
  const std::string file = dir.path("treasury.json");
  std::ofstream(file) << R"({"roles": ["treasury"],
    "node": {"name": "treasury", "key_file": "treasury.key", "data_dir": "data",
             "log_file": "treasury.log"},
    "treasury": {"listen": {"host": "127.0.0.1", "port": 0}}})";
  return file;
}

TEST(DataDirLock, ASecondNodeIsRefusedWithTheHoldersPid) {
  ScratchDir dir;
  const std::string config = treasury_config(dir);
  const auto port_file = std::filesystem::path(dir.path("data")) / "treasury.port";
  const pid_t first = start_node(config);
  ASSERT_GT(first, 0);
  // Up once it wrote the port it listens on.
  ASSERT_TRUE(eventually([&] { return std::filesystem::exists(port_file); }))
      << "the first node did not start";

  const auto second = run_seedgrid("node --config " + config, 20);
  EXPECT_EQ(second.status, 1) << second.output;
  EXPECT_TRUE(contains(second.output,
                       "in use by another running process (pid " + std::to_string(first) + ")"))
      << second.output;
  EXPECT_EQ(stop_node(first), 0);

  // The lock goes with its holder: the data_dir is free again, and the next node starts.
  std::filesystem::remove(port_file);
  const pid_t again = start_node(config);
  EXPECT_TRUE(eventually([&] { return std::filesystem::exists(port_file); }))
      << "a node on a free data_dir did not start";
  EXPECT_EQ(stop_node(again), 0);
}

}  // namespace
}  // namespace seedgrid::test
