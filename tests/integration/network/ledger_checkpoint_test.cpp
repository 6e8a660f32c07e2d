// The treasury's signed ledger heads reach the coordinator and the validators as real node
// processes, are kept in their data directories, expose a treasury restarted on an older copy of
// its ledger, and let `seedgrid ledger verify --checkpoint` prove the ledger was cut short.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "actors/treasury/ledger.hpp"
#include "runtime/base/protocol/ledger_checkpoint.hpp"
#include "runtime/base/verify/ledger_checkpoint_file.hpp"
#include "tests/integration/network/network_harness.hpp"

using namespace seedgrid;
using namespace seedgrid::testing;
namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The kept checkpoint once it names entry `seq` (nothing on timeout).
std::optional<protocol::LedgerCheckpoint> wait_for_checkpoint(const fs::path& file,
                                                              std::uint64_t seq,
                                                              std::chrono::seconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    auto c = verify::parse_checkpoint_json(read_file(file), file.string());
    if (c && c->seq == seq) return *c;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return std::nullopt;
}

std::pair<int, std::string> run_cli(const std::string& args) {
  std::string output;
  FILE* pipe = ::popen((std::string(SEEDGRID_BINARY) + " " + args + " 2>&1").c_str(), "r");
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) output.append(buf, n);
  const int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

std::uint64_t head_of(const std::string& ledger) {
  auto l = treasury::Ledger::open_read_only(ledger);
  EXPECT_TRUE(l.has_value()) << l.error().message;
  return l ? l->head_seq() : 0;
}

TEST(LedgerCheckpoints, ReachTheCoordinatorAndValidatorAndExposeARolledBackTreasury) {
  NetworkOptions o;
  o.workers = 0;
  o.validators = 1;
  o.separate_treasury = true;
  Network net(o);
  net.start();
  const fs::path coordinator_file = net.dir() / "coordinator" / "ledger-checkpoint.json";
  const fs::path validator_file = net.dir() / "validator-0" / "ledger-checkpoint.json";
  const std::string key_file = (net.dir() / "keys" / "treasury.key").string();
  const std::string pubkey = net.treasury_identity().node_id();

  // The ledger as it is now: the copy a careless restore would bring back later.
  const std::uint64_t before = head_of(net.ledger_path());
  const std::string old_copy = (net.dir() / "ledger-backup.sqlite").string();
  {
    auto backup = run_cli("ledger verify " + net.ledger_path() + " --pubkey " + pubkey);
    ASSERT_EQ(backup.first, 0) << backup.second;
    ASSERT_TRUE(wait_for_checkpoint(coordinator_file, before, std::chrono::seconds(20)));
    fs::copy_file(net.ledger_path(), old_copy);
  }

  // Two deposits by an operator while the treasury runs (another process appends to its ledger):
  // the treasury signs the new head and both witnesses keep it.
  for (int i = 0; i < 2; ++i) {
    auto r = run_cli("ledger deposit --db " + net.ledger_path() + " --key " + key_file +
                     " --account user:op --amount 3 --idem op/" + std::to_string(i));
    ASSERT_EQ(r.first, 0) << r.second;
  }
  const std::uint64_t after = head_of(net.ledger_path());
  ASSERT_EQ(after, before + 2);
  auto at_coordinator = wait_for_checkpoint(coordinator_file, after, std::chrono::seconds(20));
  auto at_validator = wait_for_checkpoint(validator_file, after, std::chrono::seconds(20));
  if (!at_coordinator || !at_validator) net.dump_logs();
  ASSERT_TRUE(at_coordinator) << "the coordinator did not keep entry " << after;
  ASSERT_TRUE(at_validator) << "the validator did not keep entry " << after;
  EXPECT_EQ(at_coordinator->treasury, net.treasury_identity().public_key());
  EXPECT_TRUE(protocol::checkpoint_signed(*at_validator));
  EXPECT_EQ(*at_coordinator, *at_validator);

  // The treasury dies and is restarted on the older copy: the coordinator says so and keeps the
  // newer head.
  net.treasury().signal(SIGKILL);
  ASSERT_TRUE(net.treasury().wait(std::chrono::seconds(15)));
  fs::remove(net.ledger_path() + "-wal");
  fs::remove(net.ledger_path() + "-shm");
  fs::copy_file(old_copy, net.ledger_path(), fs::copy_options::overwrite_existing);
  net.start_treasury();
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  bool alarmed = false;
  while (!alarmed && std::chrono::steady_clock::now() < until) {
    alarmed =
        read_file(net.dir() / "coordinator.log").find("LEDGER ROLLBACK?") != std::string::npos;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  if (!alarmed) net.dump_logs();
  EXPECT_TRUE(alarmed) << "the coordinator did not notice the treasury's head went back";
  EXPECT_EQ(wait_for_checkpoint(coordinator_file, after, std::chrono::seconds(1)), at_coordinator);
  net.stop();

  // The kept checkpoints prove what the rolled-back ledger lost.
  for (const fs::path& file : {coordinator_file, validator_file}) {
    auto r = run_cli("ledger verify " + net.ledger_path() + " --pubkey " + pubkey +
                     " --checkpoint " + file.string());
    EXPECT_EQ(r.first, 1) << r.second;
    EXPECT_NE(r.second.find("FAILED: the ledger ends at entry " + std::to_string(before)),
              std::string::npos)
        << r.second;
  }
}

}  // namespace
