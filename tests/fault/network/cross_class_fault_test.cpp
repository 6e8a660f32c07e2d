// Grey-zone escalation over real processes and two determinism classes. Workers store fp16 (the
// cpu-f16s class); validator 0 renders in fp32, validator 1 in fp16 storage like the workers.
// Needs a build with SEEDGRID_TEST_FAULTS=ON (skipped otherwise).
#include <gtest/gtest.h>

#include <map>
#include <thread>
#include <utility>

#include "actors/treasury/ledger.hpp"
#include "actors/worker/test_fault.hpp"
#include "runtime/base/verify/verdict_record.hpp"
#include "tests/integration/network/network_harness.hpp"

namespace seedgrid::testing {
namespace {

constexpr std::uint32_t kSteps = 6;

// audit id -> what a validator judged about it
using Verdicts = std::multimap<std::string, verify::RecordedVerdict>;

// The verdicts validator `index` recorded about `worker`.
Verdicts verdicts_in(const Network& net, int index, const PublicKey& worker) {
  Verdicts out;
  for (auto& v : recorded_verdicts(net, index))
    if (v.worker == worker) out.emplace(v.audit_id, std::move(v));
  return out;
}

// A quantized_8bit cheater (worker 0) beside an honest worker, both storing fp16; validator 0
// renders in fp32, validator 1 in fp16 storage like the workers; every result is audited, and
// every result of the cheater (blacklisting comes late, so none is dropped unaudited).
NetworkOptions quantizing_cheater_among_fp16_workers() {
  NetworkOptions o;
  o.workers = 2;
  o.validators = 2;
  o.audit_rate = 1.0;
  o.step_audits = 2;
  o.blacklist_after = 8;
  o.stake_workers = true;
  o.worker_faults[0] = "quantized_8bit";
  o.worker_precisions = {{0, "f16"}, {1, "f16"}};
  o.validator_precisions = {{1, "f16"}};
  return o;
}

// Runs `count` jobs to the end, checks every delivered image is the honest worker's, stops the
// network and returns what each validator recorded about the cheater: {fp32 one, fp16 one}.
// `cheater_first`: the cheater and both validators come up before the honest worker, which joins
// as the request starts: the cheater's first batch of results then reaches the coordinator
// together and is shared between the two idle validators (least busy first), so each judges some
// of the cheater's results however the machine schedules the two workers.
std::pair<Verdicts, Verdicts>
run_and_collect_verdicts(Network& net, const std::string& id, std::uint32_t count,
                         bool cheater_first = false) {
  if (cheater_first) {
    net.start_coordinator();
    net.start_worker(0);
    net.start_validator(0);
    net.start_validator(1);
    EXPECT_TRUE(net.wait_for_nodes(3, std::chrono::seconds(60))) << "the network did not come up";
    net.start_worker(1);
  } else {
    net.start();
  }
  const auto request = net.request(id, count, kSteps);
  Collected got;
  auto outcome = run_request(net, request, got, std::chrono::seconds(300));
  EXPECT_TRUE(outcome && outcome->reply.ok());
  if (outcome) {
    EXPECT_EQ(outcome->completed.delivered, count);
  }
  const PublicKey cheater = net.worker_identity(0).public_key();
  {
    std::lock_guard lock(got.mutex);
    for (const auto& [index, e] : got.results) {
      EXPECT_NE(e.worker, cheater) << "job " << index << " was delivered from the cheater";
      EXPECT_EQ(e.audit, "passed") << "job " << index;
      EXPECT_EQ(e.pixels, reference_pixels(request, index, "f16")) << "job " << index;
    }
  }
  (void)settled_history(net);  // the slash after the appeal, and nothing after it
  net.stop();
  return {verdicts_in(net, 0, cheater), verdicts_in(net, 1, cheater)};
}

// quantized_8bit weights are within fp16 storage's honest error on single steps and on the decoded
// image across classes (bench/RESULTS.md): the fp32 validator's full re-render lands grey. Nothing
// is slashed on grey; the coordinator hands the job to validator 1, of the worker's own class,
// whose full re-render must match byte for byte, and does not.
TEST(CrossClassFaults, AGreyVerdictEscalatesToTheWorkersOwnClassWhichProvesTheCheat) {
  if (!worker::test_faults_enabled()) GTEST_SKIP() << "this build has no test faults";
  NetworkOptions o = quantizing_cheater_among_fp16_workers();
  o.full_rate = 1.0;
  // No step audits: a quantized step's error sits near the fail threshold on some steps, and an
  // opening fetched late fails the audit outright; either would decide the verdict before the grey
  // decode and full audits this test is about.
  o.step_audits = 0;
  o.same_class_first = false;  // else validator 1 takes the sampled audits and nothing is grey
  Network net(o);
  const auto [across, own] = run_and_collect_verdicts(net, "grey", 8, /*cheater_first=*/true);
  std::size_t escalated = 0;
  std::string judged;  // what the fp32 validator found, for a failure's message
  for (const auto& [id, v] : across) {
    if (v.purpose != protocol::AuditPurpose::sampled) continue;
    judged += "\n  " + id + ": " + v.detail;
    EXPECT_NE(v.outcome, protocol::AuditOutcome::pass) << "audit " << id << ": the fp32 validator missed the cheat";
    if (v.outcome != protocol::AuditOutcome::grey) continue;
    ++escalated;
    bool referee_failed = false;
    for (auto [it, end] = own.equal_range(id); it != end; ++it)
      referee_failed =
          referee_failed || (it->second.purpose == protocol::AuditPurpose::referee && it->second.outcome == protocol::AuditOutcome::fail);
    EXPECT_TRUE(referee_failed) << "audit " << id
                                << " was grey and no same-class referee failed it";
  }
  EXPECT_GT(escalated, 0u) << "no grey verdict from the fp32 validator: " << across.size()
                           << " of its verdicts were about the cheater:" << judged;
  for (const auto& [id, v] : own) {
    if (v.purpose == protocol::AuditPurpose::sampled) {
      EXPECT_EQ(v.outcome, protocol::AuditOutcome::fail) << "audit " << id;
    }
  }
  // The cheater's appeal is heard by the validator of the other class and comes back grey, which
  // does not overturn a fail.
  expect_slashed_and_spared(net, 0, 1);
  if (::testing::Test::HasFailure()) net.dump_logs();
}

// The same cheat with the default routing: sampled audits go to the validator of the worker's own
// class, whose step audit compares bytes and fails every result of the cheater outright.
TEST(CrossClassFaults, ASameClassValidatorTakesTheAuditAndItsBytesCatchTheCheat) {
  if (!worker::test_faults_enabled()) GTEST_SKIP() << "this build has no test faults";
  NetworkOptions o = quantizing_cheater_among_fp16_workers();
  o.same_class_slack = 100;  // however busy validator 1 gets, the sampled audits wait for it
  Network net(o);
  const auto [across, own] = run_and_collect_verdicts(net, "bytes", 6);
  std::size_t sampled = 0;
  for (const auto& [id, v] : own) {
    if (v.purpose != protocol::AuditPurpose::sampled) continue;
    ++sampled;
    EXPECT_EQ(v.outcome, protocol::AuditOutcome::fail) << "audit " << id;
  }
  EXPECT_GT(sampled, 0u);
  for (const auto& [id, v] : across)
    EXPECT_NE(v.purpose, protocol::AuditPurpose::sampled) << "audit " << id << " went across classes";
  expect_slashed_and_spared(net, 0, 1);
  if (::testing::Test::HasFailure()) net.dump_logs();
}

}  // namespace
}  // namespace seedgrid::testing
