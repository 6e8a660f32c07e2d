// The treasury node itself (not a helper driving its Ledger) SIGKILLed while a coordinator streams
// settlements to it: after a restart on the same database the request completes, every job is
// paid exactly once, the ledger verifies from its file alone, the head the treasury signed before
// it died is still in the chain, and the user paid exactly what the client was told.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>

#include "actors/treasury/ledger.hpp"
#include "actors/treasury/verify.hpp"
#include "runtime/base/verify/ledger_checkpoint_file.hpp"
#include "tests/integration/network/network_harness.hpp"

namespace seedgrid::testing {
namespace {

namespace fs = std::filesystem;

std::optional<protocol::LedgerCheckpoint> read_checkpoint(const fs::path& file) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  auto c = verify::parse_checkpoint_json(text.str(), file.string());
  if (!c) return std::nullopt;
  return *c;
}

TEST(TreasuryFaults, AKilledTreasuryNodeResumesTheSettlementStreamPayingEachJobOnce) {
  NetworkOptions o;
  o.workers = 2;
  o.validators = 0;
  o.separate_treasury = true;
  o.worker_max_batch = 1;  // one settlement per job, spread over the whole run
  Network net(o);
  net.start();
  constexpr std::uint32_t kImages = 24;
  const auto request = net.request("tkill", kImages, 60);
  Collected got;
  client::GenerateSession session(net.system(), nullptr, net.endpoint(), {}, request,
                                  std::make_shared<const Identity>(net.client()), got.callbacks());
  // Mid-stream: some jobs settled (and a checkpoint of them signed), most still to come.
  ASSERT_TRUE(wait_for_results(got, 3, std::chrono::seconds(120)));
  const fs::path kept = net.dir() / "coordinator" / "ledger-checkpoint.json";
  std::optional<protocol::LedgerCheckpoint> before_kill;
  for (int i = 0; i < 200 && !before_kill; ++i) {
    before_kill = read_checkpoint(kept);
    if (!before_kill) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(before_kill) << "the coordinator kept no checkpoint of the treasury's head";
  ASSERT_LT(got.result_count(), kImages) << "the request finished before the kill";

  net.treasury().signal(SIGKILL);
  ASSERT_TRUE(net.treasury().wait(std::chrono::seconds(15)));
  net.start_treasury();

  auto outcome = session.wait(std::chrono::seconds(240));
  ASSERT_TRUE(outcome) << "the request did not complete after the treasury restarted";
  ASSERT_TRUE(outcome->reply.ok()) << outcome->reply.reason;
  EXPECT_EQ(outcome->completed.delivered, kImages);
  EXPECT_EQ(outcome->duplicate_results, 0u);
  (void)settled_history(net);
  net.stop();

  expect_each_job_settled_once(net.ledger_path(), "tkill", kImages);
  const treasury::ExpectedEntry signed_before_kill{before_kill->seq, before_kill->head,
                                                   kept.string()};
  auto verified = treasury::verify_ledger(net.ledger_path(), net.treasury_identity().public_key(),
                                          {&signed_before_kill, 1});
  ASSERT_TRUE(verified) << verified.error().message;

  auto ledger = treasury::Ledger::open_read_only(net.ledger_path());
  ASSERT_TRUE(ledger) << ledger.error().message;
  auto balance = ledger->balance("user:" + net.client().node_id(), treasury::Asset::credits);
  ASSERT_TRUE(balance) << balance.error().message;
  EXPECT_EQ(*balance, 10'000 * treasury::kMicrosPerUnit - outcome->completed.total_charged)
      << "the user paid exactly what the client was told, once";
  std::int64_t receipts = 0;
  EXPECT_EQ(got.payments.size(), kImages) << "each image's payment reached the client";
  for (const auto& [index, paid] : got.payments) receipts += paid.charged;
  EXPECT_EQ(receipts, outcome->completed.total_charged);
}

}  // namespace
}  // namespace seedgrid::testing
