// A network built as README.md's "Running a network" says — the printed default configs of the
// treasury, coordinator, worker and validator, a client's credits deposited with `seedgrid ledger`,
// every node started with `seedgrid node --config` — serves its first `seedgrid generate`. Only the
// ports differ from the printed defaults (7400/7401 become free ones), so the test runs beside
// others. The same network shows what a request the model cannot render, or a tier nobody
// serves, gets: a refusal at submit that says what to do.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <vector>

#include "tests/integration/cli/cli_process.hpp"
#include "tests/integration/cli/node_process.hpp"

namespace seedgrid::test {
namespace {

const char* const kRoles[] = {"treasury", "coordinator", "worker", "validator"};

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

class FirstRequest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(seedgrid("mkmodel --preset tiny --seed 1 --out models/tiny", 120).status, 0);
    const std::string coordinator_port = std::to_string(closed_port());
    const std::string treasury_port = std::to_string(closed_port());
    // The validator's key, listed in the coordinator's validator_allowlist (the README's sed).
    ASSERT_EQ(seedgrid("keygen --out keys/validator.key").status, 0);
    const auto validator = seedgrid("keygen --show --out keys/validator.key");
    ASSERT_EQ(validator.status, 0) << validator.output;
    for (const char* role : kRoles) {
      const auto printed = seedgrid(std::string("node --print-default-config ") + role);
      ASSERT_EQ(printed.status, 0) << printed.output;
      std::string config =
          replaced(printed.output, "\"port\": 7400", "\"port\": " + coordinator_port);
      config = replaced(config, "\"port\": 7401", "\"port\": " + treasury_port);
      config = replaced(config, "\"validator_allowlist\": []",
                        "\"validator_allowlist\": [\"" + validator.output.substr(0, 64) + "\"]");
      std::ofstream(dir_.path(std::string(role) + ".json")) << config;
    }
    coordinator_ = "127.0.0.1:" + coordinator_port;
    // The client's credits, written before the treasury node opens its ledger.
    ASSERT_EQ(seedgrid("keygen --out keys/client.key").status, 0);
    const auto client = seedgrid("keygen --show --out keys/client.key");
    ASSERT_EQ(client.status, 0) << client.output;
    client_ = client.output.substr(0, 64);
    const auto init =
        seedgrid("ledger init --db data/treasury/ledger.sqlite --key keys/treasury.key");
    ASSERT_EQ(init.status, 0) << init.output;
    const auto deposit = seedgrid(
        "ledger deposit --db data/treasury/ledger.sqlite --key keys/treasury.key --account user:" +
        client_ + " --amount 100 --idem first-credits");
    ASSERT_EQ(deposit.status, 0) << deposit.output;
    for (const char* role : kRoles)
      nodes_.push_back(start_node(dir_.path(std::string(role) + ".json")));
    // Up once `seedgrid status` lists the worker and the validator as up (README's wait).
    const bool up = eventually([&] {
      const auto status = seedgrid("status --timeout 2 --coordinator " + coordinator_);
      return std::regex_search(status.output, std::regex("(^|\n)worker .* up ")) &&
             std::regex_search(status.output, std::regex("(^|\n)validator .* up "));
    });
    ASSERT_TRUE(up) << seedgrid("status --timeout 2 --coordinator " + coordinator_).output;
  }

  // SIGTERM, then SIGKILL after 30 s: this test is about the first request, and a node that hangs
  // on its way down (a treasury was seen to wait forever for a detached actor) must not hang the
  // suite; the note says which.
  void TearDown() override {
    for (std::size_t k = nodes_.size(); k-- > 0;) {
      const pid_t* it = &nodes_[k];
      ::kill(*it, SIGTERM);
      int status = 0;
      bool exited = false;
      for (int i = 0; i < 600 && !exited; ++i) {
        exited = ::waitpid(*it, &status, WNOHANG) == *it;
        if (!exited) std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      if (exited) continue;
      std::fprintf(stderr,
                   "note: the %s node (pid %d) did not stop within 30 s of SIGTERM; killed\n",
                   kRoles[k], static_cast<int>(*it));
      ::kill(*it, SIGKILL);
      ::waitpid(*it, &status, 0);
    }
  }

  // The binary, run in the network's folder (the README's commands use relative paths).
  CliRun seedgrid(const std::string& args, int limit_s = 60) const {
    return run_seedgrid(args, limit_s, dir_.path());
  }

  CliRun generate(const std::string& extra) const {
    return seedgrid("generate --coordinator " + coordinator_ +
                        " --key keys/client.key --prompt 'a lighthouse' --out images " + extra,
                    120);
  }

  ScratchDir dir_;
  std::string coordinator_;
  std::string client_;
  std::vector<pid_t> nodes_;
};

TEST_F(FirstRequest, TheDefaultNetworkServesItsFirstRequest) {
  const auto run = generate("--width 64 --height 64 --steps 8");
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_TRUE(contains(run.output, "completed: 1 delivered, 0 failed")) << run.output;
  // --model takes the name `seedgrid status` shows (the printed config names the model "tiny").
  const auto by_name = generate("--model tiny --width 64 --height 64 --steps 2");
  EXPECT_EQ(by_name.status, 0) << by_name.output;
  const auto unknown = generate("--model tinny --width 64 --height 64 --steps 2");
  EXPECT_EQ(unknown.status, 2) << unknown.output;
  EXPECT_TRUE(contains(unknown.output, "--model 'tinny' is no model of this network"))
      << unknown.output;
  EXPECT_TRUE(contains(unknown.output, "  tiny")) << unknown.output;
}

TEST_F(FirstRequest, AFastTierNobodyServesSaysWhatToDo) {
  const auto run = generate("--width 64 --height 64 --steps 8 --tier fast");
  EXPECT_NE(run.status, 0) << run.output;
  EXPECT_TRUE(contains(run.output, "no_capable_worker")) << run.output;
  EXPECT_TRUE(contains(run.output, "1 worker serves it in the relaxed tier")) << run.output;
  EXPECT_TRUE(contains(run.output, "--tier relaxed")) << run.output;
  // The exact ledger command, naming the worker that asks for the fast tier.
  EXPECT_TRUE(std::regex_search(run.output,
                                std::regex("seedgrid ledger stake --db LEDGER --key TREASURY_KEY "
                                           "--worker worker:[0-9a-f]{64} --amount 1000")))
      << run.output;
}

TEST_F(FirstRequest, SizesTheModelCannotRenderAreRefusedAtSubmit) {
  const auto wide = generate("--width 72 --height 64 --steps 8");
  EXPECT_NE(wide.status, 0) << wide.output;
  EXPECT_TRUE(contains(wide.output, "refused: invalid_size")) << wide.output;
  // The command to follow it again, printed before it was sent, has nothing to follow.
  EXPECT_TRUE(contains(wide.output, "nothing was charged, and there is no request to follow"))
      << wide.output;
  EXPECT_TRUE(contains(wide.output, "width 72 is not a multiple of 16")) << wide.output;
  const auto tiny = generate("--width 8 --height 64 --steps 8");
  EXPECT_NE(tiny.status, 0) << tiny.output;
  EXPECT_TRUE(contains(tiny.output, "width 8 is outside [16, 4096]")) << tiny.output;
  // Refused before any worker tried: nothing failed on the network.
  const auto status = seedgrid("status --timeout 5 --coordinator " + coordinator_);
  EXPECT_TRUE(contains(status.output, "failed 0")) << status.output;
}

}  // namespace
}  // namespace seedgrid::test
