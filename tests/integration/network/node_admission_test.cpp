// Who a node is and who may judge: real `seedgrid node` processes register under their configured
// names (signed), `seedgrid status` and the coordinator's log show them, and a validator the
// coordinator has not admitted (not on its allowlist, no bond) is refused while a listed one,
// and one bonded in the treasury's ledger, audit.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "tests/integration/network/network_harness.hpp"

namespace seedgrid::testing {
namespace {

std::string text_of(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Waits until `file` contains `needle` (false after `timeout`).
bool wait_for_text(const std::filesystem::path& file, const std::string& needle,
                   std::chrono::seconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (text_of(file).find(needle) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

// The line of `table` that holds `needle`, or "".
std::string line_with(const std::string& table, const std::string& needle) {
  std::istringstream in(table);
  for (std::string line; std::getline(in, line);)
    if (line.find(needle) != std::string::npos) return line;
  return {};
}

TEST(NodeNames, StatusShowsTheNameEachNodeConfigured) {
  NetworkOptions o;
  o.workers = 2;
  o.validators = 1;
  Network net(o);
  net.start();
  Child status({SEEDGRID_BINARY, "status", "--coordinator",
                "127.0.0.1:" + std::to_string(net.endpoint().port)},
               net.dir() / "status.log");
  ASSERT_EQ(status.wait(std::chrono::seconds(60)), 0);
  const std::string table = text_of(net.dir() / "status.log");
  const std::vector<std::pair<std::string, std::string>> nodes = {
      {"worker-0", net.worker_identity(0).node_id()},
      {"worker-1", net.worker_identity(1).node_id()},
      {"validator-0", net.validator_identity(0).node_id()}};
  for (const auto& [name, id] : nodes) {
    const std::string row = line_with(table, id.substr(0, 16));
    EXPECT_NE(row.find(" " + name + " "), std::string::npos)
        << name << " on the row of " << id << ":\n"
        << table;
  }
  EXPECT_NE(table.find(" name "), std::string::npos) << "a name column:\n" << table;
  EXPECT_NE(table.find("list: ok, or BLACK"), std::string::npos) << "a legend:\n" << table;
  // The coordinator's log names them too.
  const std::string log = text_of(net.dir() / "coordinator.log");
  EXPECT_NE(log.find("worker worker-0 (" + net.worker_identity(0).node_id().substr(0, 16) +
                     ") registered"),
            std::string::npos)
      << log;
}

TEST(ValidatorAdmission, AnUnlistedUnbondedValidatorIsRefusedAndAListedOneAudits) {
  NetworkOptions o;
  o.workers = 1;
  o.validators = 2;
  o.unlisted_validators = {1};
  o.audit_rate = 1.0;
  Network net(o);
  net.start_coordinator();
  net.start_worker(0);
  net.start_validator(0);
  net.start_validator(1);
  ASSERT_TRUE(net.wait_for_nodes(2, std::chrono::seconds(60)));

  // The unlisted validator is told why, with both ways in; it retries, and is never booked.
  const std::string unlisted = net.validator_identity(1).node_id();
  const auto its_log = net.dir() / "validator-1.log";
  ASSERT_TRUE(
      wait_for_text(its_log, "registration refused (role_refused 203)", std::chrono::seconds(60)))
      << text_of(its_log);
  const std::string refusal = text_of(its_log);
  EXPECT_NE(refusal.find("not on this coordinator's validator_allowlist"), std::string::npos)
      << refusal;
  EXPECT_NE(refusal.find("seedgrid ledger stake --db LEDGER --key TREASURY_KEY --validator "
                         "validator:" +
                         unlisted),
            std::string::npos)
      << refusal;
  EXPECT_NE(text_of(net.dir() / "coordinator.log")
                .find("refused registration of validator 'validator-1' (" + unlisted.substr(0, 16)),
            std::string::npos);

  // Every result is audited, by the listed validator only.
  Collected got;
  auto outcome = run_request(net, net.request("admitted", 2), got);
  ASSERT_TRUE(outcome);
  ASSERT_TRUE(outcome->reply.ok()) << outcome->reply.reason;
  {
    std::lock_guard lock(got.mutex);
    ASSERT_EQ(got.results.size(), 2u);
    for (const auto& [index, e] : got.results) EXPECT_EQ(e.audit, "passed") << "job " << index;
  }
  const std::string log = text_of(net.dir() / "coordinator.log");
  EXPECT_NE(log.find("pass by validator validator-0 (" +
                     net.validator_identity(0).node_id().substr(0, 16) + ")"),
            std::string::npos)
      << log;
  auto status = client::fetch_status(net.system(), net.endpoint(), std::chrono::seconds(10));
  ASSERT_TRUE(status);
  for (const auto& n : status->nodes)
    EXPECT_NE(n.node.hex(), unlisted) << "a refused validator is not in the node book";
}

// The other way in: a validator on no list whose tokens are bonded in the treasury's ledger
// (stake:validator:<id>, what an overturned verdict slashes) is admitted on that bond and audits.
TEST(ValidatorAdmission, AnUnlistedValidatorWithABondIsAdmittedAndAudits) {
  NetworkOptions o;
  o.workers = 1;
  o.validators = 1;
  o.unlisted_validators = {0};
  o.bonded_validators = {0};
  o.audit_rate = 1.0;
  Network net(o);
  net.start_coordinator();
  net.start_worker(0);
  net.start_validator(0);
  ASSERT_TRUE(net.wait_for_nodes(2, std::chrono::seconds(60)));

  Collected got;
  auto outcome = run_request(net, net.request("bonded", 2), got);
  ASSERT_TRUE(outcome);
  ASSERT_TRUE(outcome->reply.ok()) << outcome->reply.reason;
  {
    std::lock_guard lock(got.mutex);
    ASSERT_EQ(got.results.size(), 2u);
    for (const auto& [index, e] : got.results) EXPECT_EQ(e.audit, "passed") << "job " << index;
  }
  const std::string validator_log = text_of(net.dir() / "validator-0.log");
  EXPECT_EQ(validator_log.find("registration refused"), std::string::npos) << validator_log;
  EXPECT_NE(text_of(net.dir() / "coordinator.log")
                .find("pass by validator validator-0 (" +
                      net.validator_identity(0).node_id().substr(0, 16) + ")"),
            std::string::npos);
}

}  // namespace
}  // namespace seedgrid::testing
