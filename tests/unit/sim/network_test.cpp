// Whole simulated runs on the real coordinator core and ledger: reproducible from the seed,
// Sogni-like makespans, cheaters blacklisted, cancels releasing escrow, and the invariant checker
// catching a real ledger corrupted under it.
#include "runtime/sim/network.hpp"

#include <gtest/gtest.h>

#include "runtime/sim/invariants.hpp"
#include "tests/unit/sim/run_support.hpp"

#include <cmath>
#include <filesystem>

#include "actors/coordinator/coordinator_core.hpp"
#include "actors/treasury/ledger.hpp"
#include "runtime/base/storage/database.hpp"

namespace seedgrid::sim {
namespace {

using testing::run;
using testing::scenario_of;
using testing::WorkDir;

// Two workers that rendered `images` images to the end, in `dir`; null (and a failure) otherwise.
std::unique_ptr<SimulatedNetwork> finished_run(std::uint64_t seed, int images, const WorkDir& dir) {
  const Scenario s =
      scenario_of(R"({"workers": [{"name": "gpu", "count": 2, "seconds_per_image": 1.0}],
    "batches": [{"images": )" +
                  std::to_string(images) + R"(, "at_ms": 100}]})");
  auto network = SimulatedNetwork::create(s, seed, dir.path());
  if (!network) {
    ADD_FAILURE() << network.error().message;
    return nullptr;
  }
  if (auto summary = (*network)->run(); !summary) {
    ADD_FAILURE() << summary.error().message;
    return nullptr;
  }
  return std::move(*network);
}

// A mixed fleet with everything that can go wrong, small enough for a second of host time.
const char* kMixed = R"({
  "name": "mixed",
  "link_min_ms": 1, "link_max_ms": 20, "users": 3,
  "workers": [
    {"name": "gpu", "count": 10, "class": "gpu", "seconds_per_image": 2.0, "speed_spread": 0.2,
     "jitter": 0.1, "straggler_share": 0.03, "straggler_factor": 10,
     "cheaters": [{"kind": "random_output", "count": 1}]},
    {"name": "cpu", "count": 4, "class": "cpu", "seconds_per_image": 20.0, "fast": false,
     "crash_per_job": 0.3, "restart_ms": 10000, "start_spread_ms": 3000}
  ],
  "validators": [{"count": 2, "class": "gpu", "audit_seconds": 0.3}],
  "batches": [{"images": 60, "request_size": 20, "at_ms": 1000}],
  "random": {"requests": 30, "mean_gap_ms": 1500, "count_min": 1, "count_max": 6,
             "fast_share": 0.5, "cancel_share": 0.2, "cancel_after_ms": 3000},
  "check_every_events": 500,
  "coordinator": {"routing": {"max_workers_per_request": 14}}
})";

TEST(SimulatedNetwork, TheSameSeedGivesTheSameRunAndAnotherSeedAnother) {
  const Scenario s = scenario_of(kMixed);
  auto a = run(s, 11);
  auto b = run(s, 11);
  auto c = run(s, 12);
  ASSERT_TRUE(a) << a.error().message;
  ASSERT_TRUE(b) << b.error().message;
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(format_summary(*a), format_summary(*b));
  EXPECT_NE(format_summary(*a), format_summary(*c));
  // The run exercised what it claims to: retries after stragglers, crashes, cancels, audits.
  EXPECT_GT(a->retries, 0u);
  EXPECT_GT(a->crashes, 0u);
  EXPECT_GT(a->cancelled, 0u);
  EXPECT_GT(a->audits, 0u);
  EXPECT_EQ(a->delivered + a->failed + a->cancelled, a->jobs);
}

TEST(SimulatedNetwork, ASogniLikeFleetRendersWithinFivePercentOfItsTable) {
  // 20 GPUs at 4 s an image: n images take ceil(n / 20) x 4 s when a request may use the whole
  // fleet (max_workers_per_request at least the fleet).
  const Scenario s = scenario_of(R"({
    "name": "sogni_small",
    "workers": [{"name": "gpu", "count": 20, "seconds_per_image": 4.0}],
    "validators": [{"count": 2, "audit_seconds": 0.2}],
    "batches": [{"images": 20, "expect_s": 4, "at_ms": 1000},
                {"images": 100, "expect_s": 20},
                {"images": 400, "request_size": 200, "expect_s": 80}],
    "coordinator": {"routing": {"max_workers_per_request": 20}}
  })");
  auto summary = run(s, 1);
  ASSERT_TRUE(summary) << summary.error().message;
  ASSERT_EQ(summary->batches.size(), 3u);
  for (const auto& b : summary->batches) {
    const double rendered = double(b.rendered_ms - b.submitted_ms) / 1000.0;
    EXPECT_NEAR(rendered, b.expect_s, 0.05 * b.expect_s) << b.images << " images";
  }
  EXPECT_GT(summary->utilisation, 0.9);
}

TEST(SimulatedNetwork, TheDefaultFanOutLimitKeepsALargeRequestOffMostOfTheFleet) {
  // The same fleet with the default max_workers_per_request (16): one 100-image request uses
  // 16 of 40 workers, so it takes ceil(100 / 16) = 7 rounds instead of 3.
  const Scenario s = scenario_of(R"({
    "workers": [{"name": "gpu", "count": 40, "seconds_per_image": 4.0}],
    "batches": [{"images": 100, "request_size": 100, "at_ms": 1000}]
  })");
  auto summary = run(s, 1);
  ASSERT_TRUE(summary) << summary.error().message;
  const auto& b = summary->batches.at(0);
  EXPECT_NEAR(double(b.rendered_ms - b.submitted_ms) / 1000.0, 28.0, 1.4);
}

TEST(SimulatedNetwork, EveryCheaterIsBlacklistedAndNoHonestWorkerSlashed) {
  const Scenario s = scenario_of(R"({
    "workers": [{"name": "gpu", "count": 12, "seconds_per_image": 1.0,
                 "cheaters": [{"kind": "wrong_seed", "count": 2},
                              {"kind": "forged_trajectory", "count": 1, "share": 0.5},
                              {"kind": "quantized_8bit", "count": 1}]},
                {"name": "other", "count": 4, "class": "other-gpu", "seconds_per_image": 1.0,
                 "cheaters": [{"kind": "skipped_guidance", "count": 1}]}],
    "validators": [{"count": 2, "class": "gpu", "audit_seconds": 0.1}],
    "batches": [{"images": 800, "request_size": 100, "at_ms": 1000}],
    "coordinator": {"routing": {"max_workers_per_request": 16}}
  })");
  auto summary = run(s, 3);
  ASSERT_TRUE(summary) << summary.error().message;  // the invariants held throughout
  ASSERT_EQ(summary->cheaters.size(), 5u);
  for (const auto& c : summary->cheaters) {
    EXPECT_GE(c.caught_ms, 0) << c.kind << " " << c.worker << " was never blacklisted";
    EXPECT_LE(c.cheats, c.bound) << c.kind;
  }
  EXPECT_GT(summary->money.tokens_slashed, 0);
}

TEST(SimulatedNetwork, CancelledRequestsEndAndReleaseTheirEscrow) {
  const Scenario s = scenario_of(R"({
    "workers": [{"name": "gpu", "count": 3, "seconds_per_image": 5.0}],
    "random": {"requests": 20, "mean_gap_ms": 500, "count_min": 2, "count_max": 8,
               "cancel_share": 1.0, "cancel_after_ms": 4000}
  })");
  WorkDir dir(5);
  auto network = SimulatedNetwork::create(s, 5, dir.path());
  ASSERT_TRUE(network) << network.error().message;
  auto summary = (*network)->run();
  ASSERT_TRUE(summary) << summary.error().message;
  EXPECT_EQ(summary->requests, 20u);
  EXPECT_GT(summary->cancelled, 0u);
  EXPECT_GT(summary->money.refunded, 0);
  auto assets = (*network)->ledger().conservation();
  ASSERT_TRUE(assets);
  for (const auto& a : *assets) EXPECT_EQ(a.holds, 0) << "escrow left at the end";
}

TEST(SimulatedNetwork, APartitionCutsWorkersOffAndTheirJobsGoElsewhere) {
  // Half the GPUs lose their link for 30 s in the middle of a batch; a third group sits behind
  // a slow link. Their jobs are re-queued when the coordinator notices, nothing is lost or paid
  // twice, and the cut workers register again when the partition heals.
  const Scenario s = scenario_of(R"({
    "workers": [{"name": "gpu", "count": 8, "seconds_per_image": 2.0},
                {"name": "far", "count": 2, "seconds_per_image": 2.0, "link_extra_ms": 400}],
    "validators": [{"count": 1, "audit_seconds": 0.2}],
    "batches": [{"images": 200, "request_size": 50, "at_ms": 1000}],
    "partitions": [{"at_ms": 10000, "duration_ms": 30000, "share": 0.5, "groups": ["gpu"]}],
    "link_timeout_ms": 3000,
    "check_every_events": 200
  })");
  auto a = run(s, 21);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->disconnects, 4u);
  EXPECT_GT(a->retries, 0u);  // the jobs the cut workers held went to others
  EXPECT_EQ(a->delivered, 200u);
  // Without the partition the same batch ends sooner: the cut cost capacity.
  Scenario whole = s;
  whole.partitions.clear();
  auto b = run(whole, 21);
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(b->disconnects, 0u);
  EXPECT_LT(b->makespan_ms, a->makespan_ms);
  // The far workers took part despite their slow link.
  ASSERT_EQ(a->groups.size(), 2u);
  EXPECT_GT(a->groups[1].results, 0u);
}

TEST(SimulatedNetwork, WorkersThatLeaveForGoodHandTheirJobsToThoseThatStay) {
  // Half the fleet leaves in the middle of a batch and never comes back (churn, not a
  // partition): what they held is re-queued, everything is still delivered once and paid once,
  // and the rest of the batch takes the longer for the lost capacity.
  const Scenario s = scenario_of(R"({
    "workers": [{"name": "gpu", "count": 8, "seconds_per_image": 2.0,
                 "leave_ms": 10000, "leave_share": 0.5}],
    "validators": [{"count": 1, "audit_seconds": 0.2}],
    "batches": [{"images": 200, "request_size": 50, "at_ms": 1000}],
    "check_every_events": 200
  })");
  auto a = run(s, 23);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->departures, 4u);
  EXPECT_EQ(a->disconnects, 0u);
  EXPECT_GT(a->retries, 0u);
  EXPECT_EQ(a->delivered, 200u);
  EXPECT_NE(format_summary(*a).find("4 left for good"), std::string::npos) << format_summary(*a);
  Scenario stay = s;
  stay.workers[0].leave_ms = -1;
  stay.workers[0].leave_share = 0.0;
  auto b = run(stay, 23);
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(b->departures, 0u);
  // 200 images of 2 s: ~50 s on 8 workers; with 4 gone after 10 s, ~90 s.
  EXPECT_GT(a->makespan_ms, b->makespan_ms + 25'000);

  auto bad = parse_scenario(
      R"({"workers": [{"name": "gpu", "count": 2, "leave_share": 0.5}],
          "batches": [{"images": 1}]})",
      "churn.json");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("leave_share"), std::string::npos) << bad.error().message;
  EXPECT_NE(bad.error().message.find("leave_ms"), std::string::npos) << bad.error().message;
}

TEST(SimulatedNetwork, ATreasuryCutOffLosesOrdersThatAreReSentAndNeverPaidTwice) {
  // The coordinator loses its treasury for 20 s in the middle of a batch: trips in flight lose
  // their receipts (the ledger applied them), new ones find no route. Every order is re-sent
  // when the link heals; the ledger's idempotency keys keep the applied ones from being paid
  // twice, and every invariant (conservation, escrow released, nothing paid twice) holds.
  const Scenario s = scenario_of(R"({
    "workers": [{"name": "gpu", "count": 6, "seconds_per_image": 1.0}],
    "validators": [{"count": 1, "audit_seconds": 0.2}],
    "batches": [{"images": 120, "request_size": 20, "at_ms": 1000}],
    "partitions": [{"at_ms": 8000, "duration_ms": 20000, "treasury": true}],
    "link_timeout_ms": 2000,
    "check_every_events": 100
  })");
  auto a = run(s, 29);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->treasury_cuts, 1u);
  EXPECT_GT(a->orders_lost, 0u);
  EXPECT_EQ(a->disconnects, 0u);
  EXPECT_EQ(a->delivered, 120u);
  EXPECT_NE(format_summary(*a).find("treasury cut off 1 times"), std::string::npos);
  // The same money moves as without the cut: settled once each, escrow back to zero.
  Scenario whole = s;
  whole.partitions.clear();
  auto b = run(whole, 29);
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(a->money.worker_paid, b->money.worker_paid);
  EXPECT_EQ(a->money.held, b->money.held);
  EXPECT_EQ(a->money.deposited, b->money.deposited);

  auto bad = parse_scenario(
      R"({"workers": [{"name": "gpu", "count": 1}],
          "partitions": [{"at_ms": 5, "duration_ms": 10, "treasury": true, "groups": ["gpu"]}]})",
      "t.json");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("$.partitions[0].groups: a treasury partition"),
            std::string::npos)
      << bad.error().message;
}

TEST(SimulatedNetwork, AValidatorCutOffLosesItsAuditsToTheOthersAndComesBack) {
  // Every result is audited; half the validators lose their link for 20 s. The audits they held
  // and the verdicts on the way are lost, the coordinator calls them down and hands those audits
  // to the validators it still reaches, and the cut ones register again when the cut heals.
  const Scenario s = scenario_of(R"({
    "workers": [{"name": "gpu", "count": 6, "seconds_per_image": 1.0}],
    "validators": [{"count": 4, "audit_seconds": 2.0}],
    "batches": [{"images": 120, "request_size": 20, "at_ms": 1000}],
    "partitions": [{"at_ms": 6000, "duration_ms": 20000, "share": 0.5, "validators": true}],
    "link_timeout_ms": 2000,
    "check_every_events": 100,
    "coordinator": {"audit": {"rate": 1.0}}
  })");
  auto a = run(s, 31);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->validator_cuts, 2u);
  EXPECT_EQ(a->disconnects, 0u);
  EXPECT_EQ(a->delivered, 120u);
  EXPECT_NE(format_summary(*a).find("validators cut off by partitions: 2"), std::string::npos)
      << format_summary(*a);
  Scenario whole = s;
  whole.partitions.clear();
  auto b = run(whole, 31);
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(b->validator_cuts, 0u);
  EXPECT_GT(a->audits, b->audits);  // the lost audits were handed out again

  auto bad = parse_scenario(
      R"({"workers": [{"name": "gpu", "count": 1}],
          "partitions": [{"at_ms": 5, "duration_ms": 10, "validators": true, "treasury": true}]})",
      "v.json");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("not both"), std::string::npos) << bad.error().message;
}

TEST(SimulatedNetwork, ACorruptedLedgerIsReportedWithTheSeedAndTheVirtualTime) {
  WorkDir dir(77);
  auto network = finished_run(77, 4, dir);
  ASSERT_TRUE(network);
  ASSERT_TRUE(network->check_invariants(true));
  {  // a credit appears in a user's balance without a journal entry (opened as the simulator
     // opens it: a default open would turn the file to WAL under the simulator's connection)
    auto db = storage::Database::open(dir.path() + "/ledger.sqlite",
                                      {.durability = storage::Durability::none});
    ASSERT_TRUE(db) << db.error().message;
    ASSERT_TRUE(
        db->exec("UPDATE balances SET amount = amount + 1 WHERE account IN "
                 "(SELECT account FROM balances WHERE account LIKE 'user:%' LIMIT 1)"));
  }
  auto checked = network->check_invariants(false);
  ASSERT_FALSE(checked);
  const std::string& m = checked.error().message;
  EXPECT_NE(m.find("ledger conservation"), std::string::npos) << m;
  EXPECT_NE(m.find("seed 77"), std::string::npos) << m;
  EXPECT_NE(m.find("virtual time " + std::to_string(network->now_ms()) + " ms"), std::string::npos)
      << m;
}

TEST(SimulatedNetwork, AnHonestWorkerSlashedInTheLedgerIsReported) {
  WorkDir dir(78);
  auto network = finished_run(78, 2, dir);
  ASSERT_TRUE(network);
  const auto& nodes = network->core().nodes().nodes();
  std::string worker;
  for (const auto& [key, n] : nodes)
    if (n.role == protocol::Role::worker) worker = coordinator::worker_account(key);
  ASSERT_FALSE(worker.empty());
  auto slash = network->ledger().apply(
      treasury::Slash{"test/slash", 1'800'000'100, "verdict/x", worker, "validator:x", 0, ""});
  ASSERT_TRUE(slash) << slash.error().message;
  auto checked = network->check_invariants(false);
  ASSERT_FALSE(checked);
  EXPECT_NE(checked.error().message.find("no honest worker slashed"), std::string::npos)
      << checked.error().message;
  EXPECT_NE(checked.error().message.find(worker), std::string::npos) << checked.error().message;
}

// Requests are checked as they complete (the core keeps only the most recent finished ones): a
// completed event that accounts for fewer jobs than the request had is a lost job, named.
TEST(SimulatedNetwork, ARequestThatCompletesShortOfItsJobsIsReportedAsAJobLost) {
  WorkDir dir(79);
  auto network = finished_run(79, 4, dir);
  ASSERT_TRUE(network);
  const Observed observed;
  const std::vector<WorkerFacts> workers;
  const InvariantInputs in{{&network->core()}, network->ledger(), observed, workers, 79,
                           network->now_ms()};
  protocol::ClientEvent completed;
  completed.kind = protocol::EventKind::completed;
  completed.request_id = "b0-0";
  completed.delivered = 4;
  EXPECT_TRUE(check_request_end(in, completed, 4));  // its hold was released: nothing to say
  completed.delivered = 3;
  auto checked = check_request_end(in, completed, 4);
  ASSERT_FALSE(checked);
  EXPECT_NE(checked.error().message.find("no job lost"), std::string::npos)
      << checked.error().message;
  EXPECT_NE(checked.error().message.find("request b0-0 completed with 3 delivered"),
            std::string::npos)
      << checked.error().message;
}

}  // namespace
}  // namespace seedgrid::sim
