// A node's log file as an operator watches it: info lines are there while the node runs (they
// waited for a warning or shutdown before), SIGHUP reopens the file logrotate moved away, and
// log_max_bytes rotates it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/integration/cli/cli_process.hpp"
#include "tests/integration/cli/node_process.hpp"

namespace seedgrid::test {
namespace {

std::string treasury_config(const ScratchDir& dir, const std::string& extra_node_keys) {
  const std::string file = dir.path("treasury.json");
  std::ofstream(file) << R"({"roles": ["treasury"],
    "node": {"name": "treasury", "key_file": "treasury.key", "data_dir": "data",
             "log_level": "info", "log_file": "treasury.log")" +
                             extra_node_keys + R"(},
    "treasury": {"listen": {"host": "127.0.0.1", "port": 0}}})";
  return file;
}

TEST(LogFile, InfoLinesArriveWhileTheNodeRunsAndSighupReopens) {
  ScratchDir dir;
  const std::string log = dir.path("treasury.log");
  const pid_t node = start_node(treasury_config(dir, ""));
  ASSERT_GT(node, 0);
  EXPECT_TRUE(eventually([&] { return contains(file_text(log), "starting"); }))
      << "no info line in the log file of a running node:\n"
      << file_text(log);

  // logrotate's way: move the file, then SIGHUP; the node writes to a new file of the old name.
  std::filesystem::rename(log, log + ".old");
  ::kill(node, SIGHUP);
  EXPECT_TRUE(eventually([&] { return contains(file_text(log), "log file reopened"); }))
      << "nothing written to a new " << log;
  EXPECT_EQ(stop_node(node), 0) << "SIGHUP must not stop the node";
}

TEST(LogFile, RotatesPastMaxBytes) {
  ScratchDir dir;
  const std::string log = dir.path("treasury.log");
  const pid_t node =
      start_node(treasury_config(dir, R"(, "log_max_bytes": 120, "log_keep_files": 2)"));
  ASSERT_GT(node, 0);
  EXPECT_TRUE(eventually([&] { return std::filesystem::exists(log + ".1"); })) << file_text(log);
  EXPECT_EQ(stop_node(node), 0);
  EXPECT_FALSE(std::filesystem::exists(log + ".3"));
  EXPECT_LE(std::filesystem::file_size(log), 400u);
}

}  // namespace
}  // namespace seedgrid::test
