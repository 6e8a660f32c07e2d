// Several coordinators over one worker pool and one treasury (ARCHITECTURE.md, "Beyond one
// machine"): requests partitioned by id, every worker and validator registered with each, a
// worker's slots arbitrated by the worker (its home first, others when it offers a slot), a
// cheater caught by one banned by all through the ledger, and the invariants over them all.
#include <gtest/gtest.h>

#include <string>

#include "actors/coordinator/coordinator_core.hpp"
#include "tests/unit/sim/run_support.hpp"

namespace seedgrid::sim {
namespace {

using testing::run;
using testing::scenario_of;
using testing::WorkDir;

// 40 GPUs at 1 s an image, two of them cheating on every job, 40 requests of 50 images.
std::string fleet(std::uint32_t coordinators, std::int64_t call_us) {
  return R"({"coordinators": )" + std::to_string(coordinators) + R"(, "coordinator_call_us": )" +
         std::to_string(call_us) + R"(,
    "users": 4, "link_min_ms": 1, "link_max_ms": 5,
    "workers": [{"name": "gpu", "count": 40, "seconds_per_image": 1.0, "jitter": 0.05,
                 "cheaters": [{"kind": "wrong_seed", "count": 2}]}],
    "validators": [{"count": 4, "audit_seconds": 0.1}],
    "batches": [{"images": 2000, "request_size": 50, "at_ms": 1000}],
    "check_every_events": 2000,
    "coordinator": {"routing": {"max_workers_per_request": 40}}
  })";
}

TEST(SeveralCoordinators, ShareOneFleetAndTreasuryWithEveryInvariantHeld) {
  const Scenario s = scenario_of(fleet(4, 0));
  WorkDir dir(5);
  auto network = SimulatedNetwork::create(s, 5, dir.path());
  ASSERT_TRUE(network) << network.error().message;
  auto summary = (*network)->run();
  ASSERT_TRUE(summary) << summary.error().message;  // checked every 2,000 events and at the end
  EXPECT_EQ(summary->delivered, 2000u);
  EXPECT_EQ(summary->failed + summary->cancelled, 0u);
  ASSERT_EQ(summary->coordinators.size(), 4u);
  std::uint64_t owned = 0;
  for (const auto& c : summary->coordinators) {
    EXPECT_GT(c.requests, 0u) << "each coordinator owns a share of the request ids";
    owned += c.requests;
  }
  EXPECT_EQ(owned, 40u);
  // A worker's slot is taken by at most one coordinator at a time: jobs of the others found it
  // busy and went back to their queues (none was lost or paid twice: the invariants).
  EXPECT_GT(summary->busy_refusals, 0u);
  // Each cheater was caught by one coordinator and is banned by every one (the ledger's feed).
  ASSERT_EQ(summary->cheaters.size(), 2u);
  for (const auto& cheater : summary->cheaters) {
    EXPECT_GE(cheater.caught_ms, 0) << cheater.worker;
    EXPECT_LE(cheater.cheats, cheater.bound);
    for (std::size_t c = 0; c < 4; ++c) {
      bool banned = false;
      for (const auto& [key, node] : (*network)->core(c).nodes().nodes())
        if (key.hex().starts_with(cheater.worker)) banned = node.blacklisted;
      EXPECT_TRUE(banned) << cheater.worker << " at coordinator " << c;
    }
  }
  EXPECT_GT(summary->money.tokens_slashed, 0);
}

TEST(SeveralCoordinators, TheSameSeedGivesTheSameRun) {
  const Scenario s = scenario_of(fleet(3, 0));
  auto a = run(s, 9);
  auto b = run(s, 9);
  ASSERT_TRUE(a) << a.error().message;
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(format_summary(*a), format_summary(*b));
}

TEST(SeveralCoordinators, MoreCoordinatorsRouteMoreWhenOneIsTheBottleneck) {
  // Each coordinator's thread spends 25 ms on every message: one routes ~12 jobs a second, far
  // below the fleet's 40 images a second; four together route more than twice as much.
  auto one = run(scenario_of(fleet(1, 25'000)), 2);
  auto four = run(scenario_of(fleet(4, 25'000)), 2);
  ASSERT_TRUE(one) << one.error().message;
  ASSERT_TRUE(four) << four.error().message;
  EXPECT_GT(one->coordinators.at(0).busy, 0.95);
  EXPECT_LT(one->utilisation, 0.5);
  EXPECT_GT(four->utilisation, 2.0 * one->utilisation);
  EXPECT_LT(double(four->makespan_ms), 0.5 * double(one->makespan_ms))
      << "one: " << one->makespan_ms << " ms, four: " << four->makespan_ms << " ms";
}

TEST(SeveralCoordinators, AScenarioAsksForBetweenOneAnd64) {
  const std::string workers = R"("workers": [{"name": "gpu", "count": 1}])";
  auto none = parse_scenario(R"({"coordinators": 0, )" + workers + "}", "t");
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("$.coordinators"), std::string::npos) << none.error().message;
  EXPECT_FALSE(parse_scenario(R"({"coordinators": 65, )" + workers + "}", "t"));
  auto s =
      parse_scenario(R"({"coordinators": 4, "coordinator_call_us": 250, )" + workers + "}", "t");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->coordinators, 4u);
  EXPECT_EQ(s->coordinator_call_us, 250);
}

}  // namespace
}  // namespace seedgrid::sim
