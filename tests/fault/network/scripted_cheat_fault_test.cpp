// A cheat inside a scripted job, over real processes: a worker configured with fewer_steps cuts
// the last pass of a script short (hires_fix's second pass; inpaint's only one, over an image and
// a mask it fetched) and forges the missing leaves, so its commitment has the priced shape, or
// (the zoo's scripted-only cheat ignored_mask) renders an inpaint without its mask; the validator
// replays the script over the worker's openings (no full re-run is planned: full_rate 0) and fails
// it, the cheater is slashed once per failed verdict, and every delivered image is the honest
// run's, paid to the honest worker. And two workers that claim a job's script fails are
// disproved by the validator's run of it, and charged. Needs a build with SEEDGRID_TEST_FAULTS=ON
// (skipped otherwise).
#include <gtest/gtest.h>

#include <thread>

#include "actors/worker/test_fault.hpp"
#include "caught_cheater.hpp"
#include "runtime/base/protocol/input_image.hpp"

namespace seedgrid::testing {
namespace {

const std::string kTasks = std::string(SEEDGRID_SOURCE_DIR) + "/models/tasks/";

// `task` (registered from models/tasks/TASK.lua) with `params` and `images`, rendered beside a
// worker that cheats with `cheat`: caught by the `audit` audit of the replay, slashed, and never
// paid or delivered.
void expect_script_cheat_caught(const std::string& cheat, const std::string& audit,
                                const std::string& task, protocol::TaskParams params,
                                std::vector<RgbImage> images) {
  const std::string script = kTasks + task + ".lua";
  NetworkOptions o = cheater_beside_honest(cheat);
  o.full_rate = 0.0;
  o.task_types = {{task, script}};
  // Two jobs at a time each, so the four jobs go to both workers: with four a worker, the router
  // could give them all to the honest one (their measured speeds differ by noise), and the cheat
  // would never be rendered, let alone caught.
  o.worker_max_inflight = 2;
  o.worker_max_batch = 2;
  Network net(o);
  net.start();
  constexpr std::uint32_t kJobs = 4;
  const auto request =
      scripted_request(net, task + "-cheat", task, kJobs, 4, std::move(params), std::move(images));
  Collected got;
  auto outcome = run_request(net, request, got, std::chrono::seconds(300));
  ASSERT_TRUE(outcome);
  ASSERT_TRUE(outcome->reply.ok()) << outcome->reply.reason;
  EXPECT_EQ(outcome->completed.delivered, kJobs);

  const PublicKey cheater = net.worker_identity(0).public_key();
  std::size_t verdicts = 0;
  for (const auto& f : audit_failures(got)) {
    if (f.reason.find("audited the result") == std::string::npos) continue;
    EXPECT_EQ(f.worker, cheater) << "an honest worker failed: " << f.reason;
    EXPECT_TRUE(verdict_fails(f.reason, audit)) << f.reason;
    ++verdicts;
  }
  EXPECT_GT(verdicts, 0u) << cheat << " in " << task << " was never caught; events: " << [&] {
    std::lock_guard lock(got.mutex);
    std::string seen;
    for (const auto& e : got.events) {
      seen += "\n  " + protocol::describe(e);
      if (e.kind == protocol::EventKind::assigned)
        seen += e.worker == cheater ? " (the cheater)" : " (honest)";
    }
    return seen;
  }();
  {
    std::lock_guard lock(got.mutex);
    for (const auto& [index, e] : got.results) {
      EXPECT_NE(e.worker, cheater) << "job " << index << " delivered from the cheater";
      EXPECT_EQ(e.audit, "passed") << "job " << index;
      EXPECT_EQ(e.pixels, reference_scripted_pixels(script, request, index)) << "job " << index;
    }
  }
  const std::string cheater_account = "worker:" + net.worker_identity(0).node_id();
  const std::string honest_account = "worker:" + net.worker_identity(1).node_id();
  for (int i = 0; i < 600 && slashes_of(ledger_history(net), cheater_account) < verdicts; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const auto history = settled_history(net);
  net.stop();
  EXPECT_EQ(slashes_of(history, cheater_account), verdicts) << "each failed verdict slashed once";
  EXPECT_EQ(slashes_of(history, honest_account), 0u);
  EXPECT_EQ(jobs_settled_to(history, cheater_account), 0u) << "the cheater was paid";
  expect_each_job_settled_once(net.ledger_path(), request.request_id, kJobs);
}

// The leaves it skipped are forged, so the second pass's last latent does not open at its place.
TEST(ScriptedCheat, AHiresFixWhoseSecondPassIsCutShortFailsItsReplayAndIsSlashed) {
  if (!worker::test_faults_enabled()) GTEST_SKIP() << "this build has no test faults";
  expect_script_cheat_caught("fewer_steps", "decode", "hires_fix",
                             {{"hires_steps", "8"}, {"scale", "2"}}, {});
}

// The image and mask an inpaint job takes: a pattern, and the top half white.
std::pair<RgbImage, RgbImage> inpaint_inputs() {
  RgbImage image{64, 64, std::vector<std::uint8_t>(64 * 64 * 3)};
  for (std::size_t i = 0; i < image.pixels.size(); ++i)
    image.pixels[i] = static_cast<std::uint8_t>((i * 7) % 251);
  RgbImage mask{64, 64, std::vector<std::uint8_t>(64 * 64 * 3, 0)};
  for (std::size_t i = 0; i < mask.pixels.size() / 2; ++i) mask.pixels[i] = 255;
  return {image, mask};
}

TEST(ScriptedCheat, AnInpaintCutShortOverItsFetchedImagesFailsItsReplayAndIsSlashed) {
  if (!worker::test_faults_enabled()) GTEST_SKIP() << "this build has no test faults";
  auto [image, mask] = inpaint_inputs();
  expect_script_cheat_caught("fewer_steps", "decode", "inpaint",
                             {{"init_image", protocol::input_image_id(image)},
                              {"mask", protocol::input_image_id(mask)}},
                             {image, mask});
}

// An inpaint whose mask the worker ignores re-renders the whole image, the part the mask keeps too:
// it starts where an honest render starts, but no step it committed puts the kept part back.
TEST(ScriptedCheat, AnInpaintThatIgnoresItsMaskFailsItsStepAuditsAndIsSlashed) {
  if (!worker::test_faults_enabled()) GTEST_SKIP() << "this build has no test faults";
  auto [image, mask] = inpaint_inputs();
  expect_script_cheat_caught("ignored_mask", "step", "inpaint",
                             {{"init_image", protocol::input_image_id(image)},
                              {"mask", protocol::input_image_id(mask)}},
                             {image, mask});
}

// Two workers (test fault false_script_failure) that report every job as its task script's own
// failure, alike: the second claim of a sampled job goes to the validator, whose run of the script
// renders the job. Both claimants are charged the failure (once each), and the job is tried again;
// with no honest worker it runs out of attempts and is refunded: the payer pays nothing.
TEST(ScriptedCheat, TwoWorkersClaimingTheScriptFailsAreDisprovedByTheValidatorAndCharged) {
  if (!worker::test_faults_enabled()) GTEST_SKIP() << "this build has no test faults";
  NetworkOptions o;
  o.workers = 2;
  o.validators = 1;
  o.audit_rate = 1.0;
  o.worker_faults = {{0, "false_script_failure"}, {1, "false_script_failure"}};
  o.task_types = {{"hires_fix", kTasks + "hires_fix.lua"}};
  Network net(o);
  net.start();
  const auto request =
      scripted_request(net, "liars", "hires_fix", 1, 3, {{"hires_steps", "4"}, {"scale", "2"}});
  Collected got;
  auto outcome = run_request(net, request, got, std::chrono::seconds(300));
  ASSERT_TRUE(outcome);
  ASSERT_TRUE(outcome->reply.ok()) << outcome->reply.reason;
  EXPECT_EQ(outcome->completed.delivered, 0u);
  EXPECT_EQ(outcome->completed.failed, 1u);
  EXPECT_EQ(outcome->completed.total_charged, 0);
  std::size_t disproved = 0;
  for (const auto& v : recorded_verdicts(net, 0, "liars/0")) {
    EXPECT_EQ(v.outcome, protocol::AuditOutcome::fail) << v.detail;
    EXPECT_NE(v.detail.find("renders this job here"), std::string::npos) << v.detail;
    ++disproved;
  }
  EXPECT_GE(disproved, 1u);
  {
    std::lock_guard lock(got.mutex);
    bool told = false;
    for (const auto& e : got.events)
      told = told || (e.kind == protocol::EventKind::retry &&
                      e.reason.find("found otherwise") != std::string::npos);
    EXPECT_TRUE(told) << "the payer is told the validator disproved the claim";
  }
  auto status = client::fetch_status(net.system(), net.endpoint(), std::chrono::seconds(10));
  ASSERT_TRUE(status) << status.error().message;
  for (const auto& n : status->nodes) {
    if (n.role == protocol::Role::worker) {
      EXPECT_GE(n.jobs_failed, 1u) << n.name;
    }
  }
  if (::testing::Test::HasFailure()) net.dump_logs();
}

}  // namespace
}  // namespace seedgrid::testing
