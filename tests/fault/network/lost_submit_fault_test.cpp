// A coordinator SIGKILLed between a request's escrow hold and the commit that journals the
// request: the hold order leaves as that commit starts, so the treasury (its own node here) has
// placed the hold and the client has heard nothing. The restarted coordinator finds the hold no
// journal knows and releases it; the payer has every credit back, and a retry under the same id
// is refused with the advice to choose another.
#include <gtest/gtest.h>

#include <csignal>
#include <mutex>
#include <optional>
#include <thread>

#include "actors/coordinator/coordinator_core.hpp"
#include "actors/treasury/ledger.hpp"
#include "tests/integration/network/network_harness.hpp"

namespace seedgrid::testing {
namespace {

using Clock = std::chrono::steady_clock;

// The hold of `request_id` as the ledger's file says now; nothing while the treasury is writing
// or before the hold is placed.
std::optional<treasury::HoldInfo> hold_of(const Network& net, const std::string& request_id) {
  auto ledger = treasury::Ledger::open_read_only(net.ledger_path());
  if (!ledger) return std::nullopt;
  auto hold = ledger->hold_for_request(request_id);
  if (!hold || !*hold) return std::nullopt;
  return **hold;
}

std::optional<treasury::HoldInfo> wait_for_hold(const Network& net, const std::string& request_id,
                                                bool released, std::chrono::seconds limit) {
  const auto give_up = Clock::now() + limit;
  while (Clock::now() < give_up) {
    if (auto hold = hold_of(net, request_id); hold && hold->released == released) return hold;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return std::nullopt;
}

std::int64_t credits_of(const Network& net, const std::string& account) {
  auto ledger = treasury::Ledger::open_read_only(net.ledger_path());
  if (!ledger) return -1;
  auto b = ledger->balance(account, treasury::Asset::credits);
  return b ? *b : -1;
}

TEST(NetworkFaults, AHoldPlacedForARequestTheCrashKeptOutOfTheJournalIsReleasedAfterTheRestart) {
#ifndef SEEDGRID_TEST_FAULTS
  GTEST_SKIP() << "needs a build with -DSEEDGRID_TEST_FAULTS=ON (tests/run.sh makes one)";
#endif
  NetworkOptions o;
  o.workers = 1;
  o.validators = 0;
  o.separate_treasury = true;
  Network net(o);
  const std::string payer = coordinator::user_account(net.client().public_key());
  const auto request = net.request("lost", 2, 6);
  std::int64_t before = -1;
  {
    // Every journal commit of this coordinator takes 3 s: the kill lands inside the request's.
    const CommitsHeldInFlight held(3'000);
    net.start();
    before = credits_of(net, payer);
    ASSERT_GT(before, 0);
    Collected got;
    std::optional<client::GenerateSession> session;
    session.emplace(net.system(), nullptr, net.endpoint(), config::NetworkSection{}, request,
                    std::make_shared<const Identity>(net.client()), got.callbacks());
    const auto placed = wait_for_hold(net, "lost", false, std::chrono::seconds(20));
    ASSERT_TRUE(placed) << "the treasury did not place the hold while the commit was in flight";
    net.coordinator().signal(SIGKILL);
    ASSERT_TRUE(net.coordinator().wait(std::chrono::seconds(10)));
    EXPECT_EQ(credits_of(net, payer), before - placed->remaining) << "the hold took the credits";
    {
      const std::lock_guard<std::mutex> lock(got.mutex);
      EXPECT_FALSE(got.ack.has_value()) << "the client was answered before the commit ended";
    }
    session.reset();  // a client that never retries
  }
  net.start_coordinator();  // same key, journal and port; commits no longer held
  const auto released = wait_for_hold(net, "lost", true, std::chrono::seconds(60));
  ASSERT_TRUE(released) << "the restarted coordinator did not release the hold";
  EXPECT_EQ(credits_of(net, payer), before) << "the payer has every credit back";

  ASSERT_TRUE(net.wait_for_nodes(1, std::chrono::seconds(60))) << "the worker did not come back";
  Collected again;
  const auto retry = run_request(net, request, again, std::chrono::seconds(60));
  ASSERT_TRUE(retry) << "the retry got no answer";
  EXPECT_EQ(retry->reply.code, protocol::ErrorCode::duplicate_request) << retry->reply.reason;
  EXPECT_NE(retry->reply.reason.find("submit it under a new id"), std::string::npos)
      << retry->reply.reason;
  EXPECT_EQ(credits_of(net, payer), before);
  net.stop();
  if (::testing::Test::HasFailure()) net.dump_logs();
}

}  // namespace
}  // namespace seedgrid::testing
