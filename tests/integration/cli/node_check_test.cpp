// `seedgrid node --check` as an operator runs it before a start: what would stop the node at start
// is reported now, with the config path and the offending value, without opening or creating
// anything.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/integration/cli/cli_process.hpp"

namespace seedgrid::test {
namespace {

namespace fs = std::filesystem;

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// A coordinator (and its treasury) config in `dir` with `coordinator_extra` added to the
// coordinator's section.
std::string coordinator_config(const ScratchDir& dir, const std::string& coordinator_extra) {
  const std::string file = dir.path("coordinator.json");
  write_file(file, R"({"roles": ["coordinator", "treasury"],
    "node": {"key_file": "keys/node.key", "data_dir": "data"},
    "coordinator": {"models": [{"path": "models/tiny"}])" +
                       (coordinator_extra.empty() ? "" : ", " + coordinator_extra) + "}}");
  return file;
}

class NodeCheck : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(
        run_seedgrid("mkmodel --preset tiny --seed 1 --out " + dir_.path("models/tiny"), 120)
            .status,
        0);
  }
  CliRun check(const std::string& coordinator_extra) {
    return run_seedgrid("node --check --config " + coordinator_config(dir_, coordinator_extra));
  }
  ScratchDir dir_;
};

TEST_F(NodeCheck, AJournalWhoseFolderIsMissingIsReportedWithItsPath) {
  const auto ok = check("");
  EXPECT_EQ(ok.status, 0) << ok.output;
  const auto run = check(R"("journal": "nowhere/journal.sqlite")");
  EXPECT_NE(run.status, 0) << run.output;
  EXPECT_TRUE(contains(run.output, "$.coordinator.journal: the folder")) << run.output;
  EXPECT_TRUE(contains(run.output, "nowhere")) << run.output;
  EXPECT_FALSE(fs::exists(dir_.path("data"))) << "--check created the data directory";
}

TEST_F(NodeCheck, AJournalThatIsNotADatabaseIsReported) {
  write_file(dir_.path("notes.txt"), "shopping list: eggs, flour\n");
  const auto named = check(R"("journal": "notes.txt")");
  EXPECT_NE(named.status, 0) << named.output;
  EXPECT_TRUE(contains(named.output, "$.coordinator.journal")) << named.output;
  EXPECT_TRUE(contains(named.output, "is not a SQLite database")) << named.output;
  ASSERT_EQ(run_seedgrid("keygen --out " + dir_.path("keys/node.key")).status, 0);
  fs::create_directories(dir_.path("data"));
  write_file(dir_.path("data/journal.sqlite"), "not a database either");
  const auto in_data = check("");
  EXPECT_NE(in_data.status, 0) << in_data.output;
  EXPECT_TRUE(contains(in_data.output, "coordinator journal in $.node.data_dir")) << in_data.output;
}

// A data directory that holds a journal belongs to the node whose key made it: a key_file that
// points nowhere (a typo, a key folder not restored) would silently make a new node of it.
TEST_F(NodeCheck, AMissingKeyBesideANodesStateIsRefusedNotMadeAgain) {
  fs::create_directories(dir_.path("data"));
  write_file(dir_.path("data/journal.sqlite"), "");
  const auto run = check("");
  EXPECT_NE(run.status, 0) << run.output;
  EXPECT_TRUE(contains(run.output, "$.node.key_file: " + dir_.path("keys/node.key") +
                                       " does not exist, but " + dir_.path("data/journal.sqlite")))
      << run.output;
  const auto start = run_seedgrid("node --config " + dir_.path("coordinator.json"));
  EXPECT_NE(start.status, 0) << start.output;
  EXPECT_TRUE(contains(start.output, "a new key would make this another node")) << start.output;
  EXPECT_FALSE(fs::exists(dir_.path("keys/node.key"))) << "the start made a new key";
}

TEST_F(NodeCheck, APostgresUriWithAPasswordIsRefusedWithoutShowingIt) {
  const auto run = check(R"("journal": "postgresql://seedgrid:hunter2@127.0.0.1/seedgrid")");
  EXPECT_NE(run.status, 0) << run.output;
  EXPECT_TRUE(contains(run.output, "holds a password")) << run.output;
  EXPECT_FALSE(contains(run.output, "hunter2")) << run.output;
}

TEST_F(NodeCheck, AListenHostThatIsNoAddressIsReported) {
  const auto run = check(R"("listen": {"host": "999.1.1.1", "port": 7400})");
  EXPECT_NE(run.status, 0) << run.output;
  EXPECT_TRUE(contains(run.output, "$.coordinator.listen.host: '999.1.1.1'")) << run.output;
}

TEST_F(NodeCheck, AKeyGivenTwiceIsReported) {
  const auto run = check(R"("journal": "a.sqlite", "journal": "b.sqlite")");
  EXPECT_NE(run.status, 0) << run.output;
  EXPECT_TRUE(contains(run.output, "$.coordinator.journal is given twice")) << run.output;
}

}  // namespace
}  // namespace seedgrid::test
