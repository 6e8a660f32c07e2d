// Scripted task types on a real network of processes: workers fetch the script by id from the
// coordinator and render it (the bytes and root a single-process run of the script gives), a
// validator audits every job by running the script again, and a script that fails on some seeds
// fails those jobs on two workers before they are refunded, blaming neither.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "runtime/base/verify/receipt.hpp"
#include "tests/integration/network/network_harness.hpp"

namespace seedgrid::testing {
namespace {

using protocol::ErrorCode;

const std::string kHiresFix = std::string(SEEDGRID_SOURCE_DIR) + "/models/tasks/hires_fix.lua";

protocol::GenerateRequest scripted(Network& net, const std::string& id, const std::string& task,
                                   std::uint32_t count, protocol::TaskParams params) {
  auto r = net.request(id, count, 3);
  r.task_type = task;
  r.params = std::move(params);
  protocol::sort_task_params(r.params);
  protocol::sign_request(r, net.client());
  return r;
}

TEST(TaskScriptNetwork, WorkersRenderAScriptedTaskAndAValidatorAuditsItByRunningItAgain) {
  NetworkOptions o;
  o.workers = 2;
  o.validators = 1;
  o.audit_rate = 1.0;
  o.task_types = {{"hires_fix", kHiresFix}};
  Network net(o);
  net.start();
  const auto request =
      scripted(net, "hires", "hires_fix", 3, {{"hires_steps", "4"}, {"scale", "2"}});
  Collected got;
  auto outcome = run_request(net, request, got, std::chrono::seconds(300));
  ASSERT_TRUE(outcome);
  ASSERT_TRUE(outcome->reply.ok()) << outcome->reply.reason;
  EXPECT_EQ(outcome->completed.delivered, 3u);
  {
    std::lock_guard lock(got.mutex);
    ASSERT_EQ(got.results.size(), 3u);
    for (const auto& [index, e] : got.results) {
      EXPECT_EQ(e.audit, "passed") << "job " << index;
      EXPECT_EQ(e.width, request.width);
      // Two passes in one commitment: 3 + 1 leaves, then 2 + 1 (half of a 4-step schedule).
      EXPECT_EQ(e.commitment.leaf_count, 7u) << "job " << index;
      EXPECT_EQ(e.pixels, reference_scripted_pixels(kHiresFix, request, index)) << "job " << index;
    }
  }
  // Each worker fetched the script once, however many of its jobs needed it.
  for (int w = 0; w < 2; ++w) {
    std::ifstream log(net.dir() / ("worker-" + std::to_string(w) + ".log"));
    const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    std::size_t loads = 0;
    for (auto at = text.find("loaded task script"); at != std::string::npos;
         at = text.find("loaded task script", at + 1))
      ++loads;
    EXPECT_LE(loads, 1u) << "worker " << w;
  }
  // `seedgrid generate --task` over the network: the image, and a receipt whose spec (script id,
  // parameters, passes) hashes to what the worker signed.
  const auto out = net.dir() / "png";
  Child generate({SEEDGRID_BINARY, "generate",
                  "--coordinator", "127.0.0.1:" + std::to_string(net.endpoint().port),
                  "--task",        "hires_fix",
                  "--param",       "hires_steps=4",
                  "--prompt",      "a fox",
                  "--width",       "64",
                  "--height",      "64",
                  "--steps",       "3",
                  "--request-id",  "cli-hires",
                  "--out",         out.string(),
                  "--key",         (net.dir() / "keys/client.key").string()},
                 net.dir() / "generate-hires.log");
  const auto generated = generate.wait(std::chrono::seconds(120));
  ASSERT_TRUE(generated);
  EXPECT_EQ(*generated, 0);
  auto receipt = verify::read_receipt((out / "cli-hires-0.receipt.json").string());
  ASSERT_TRUE(receipt) << receipt.error().message;
  EXPECT_EQ(receipt->job.spec.task_type, "hires_fix");
  EXPECT_EQ(receipt->job.spec.passes.size(), 2u);
  EXPECT_EQ(protocol::spec_hash(receipt->job.spec), receipt->result.spec_hash);
  EXPECT_TRUE(std::filesystem::exists(out / "cli-hires-0.png"));

  // `seedgrid audit` of that receipt: the script run again (--full) with the script found by id.
  auto audit = [&](std::vector<std::string> extra, const std::string& log) {
    std::vector<std::string> argv{SEEDGRID_BINARY, "audit",
                                  (out / "cli-hires-0.receipt.json").string(), "--model",
                                  tiny_model_path()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    Child child(argv, net.dir() / log);
    const auto status = child.wait(std::chrono::seconds(120));
    std::ifstream in(net.dir() / log);
    return std::make_pair(status.value_or(-1), std::string((std::istreambuf_iterator<char>(in)),
                                                           std::istreambuf_iterator<char>()));
  };
  const std::string tasks_dir = std::string(SEEDGRID_SOURCE_DIR) + "/models/tasks";
  const auto [passed, passed_text] = audit({"--full", "--tasks-dir", tasks_dir}, "audit-full.log");
  EXPECT_EQ(passed, 0) << passed_text;
  EXPECT_NE(passed_text.find("PASS  full"), std::string::npos) << passed_text;
  const auto [unscripted, unscripted_text] = audit({"--full"}, "audit-noscript.log");
  EXPECT_EQ(unscripted, 2) << unscripted_text;
  EXPECT_NE(unscripted_text.find("--task-script"), std::string::npos) << unscripted_text;
  const auto [partial, partial_text] = audit({}, "audit-partial.log");
  EXPECT_EQ(partial, 2) << partial_text;
  EXPECT_NE(partial_text.find("(--full)"), std::string::npos) << partial_text;
  if (::testing::Test::HasFailure()) net.dump_logs();
}

TEST(TaskScriptNetwork, AScriptFailingOnSomeSeedsFailsThoseJobsOnTwoWorkersAndRefundsThem) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("seedgrid-odd-seeds-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto script = dir / "odd_seeds.lua";
  std::ofstream(script) << R"(name = "odd_seeds"
params = { { name = "steps", type = "int", min = 1, max = 50, default = 3 },
           { name = "width", type = "int", min = 8, max = 512, default = 64 },
           { name = "height", type = "int", min = 8, max = 512, default = 64 } }
function cost(p) return { { steps = p.steps, pixels = p.width * p.height } } end
function run(p, seed)
  if seed % 2 == 1 then error("odd seeds are not drawn") end
  local prompt = sd.encode_prompt("even", "", 5)
  return sd.decode(sd.sample { prompt = prompt, noise = sd.noise(p.width, p.height, seed),
                               steps = p.steps, guidance = 5, seed = seed })
end
)";
  NetworkOptions o;
  o.workers = 2;
  o.validators = 0;
  o.task_types = {{"odd_seeds", script.string()}};
  Network net(o);
  net.start();
  auto request = scripted(net, "odd", "odd_seeds", 4, {});
  request.seed = 10;  // seeds 10, 11, 12, 13
  protocol::sign_request(request, net.client());
  Collected got;
  auto outcome = run_request(net, request, got, std::chrono::seconds(300));
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(outcome);
  ASSERT_TRUE(outcome->reply.ok()) << outcome->reply.reason;
  EXPECT_EQ(outcome->completed.delivered, 2u);
  EXPECT_EQ(outcome->completed.failed, 2u);
  {
    std::lock_guard lock(got.mutex);
    EXPECT_EQ(got.results.count(0), 1u);
    EXPECT_EQ(got.results.count(2), 1u);
    std::size_t failed = 0;
    for (const auto& e : got.events) {
      if (e.kind != protocol::EventKind::failed) continue;
      ++failed;
      EXPECT_EQ(e.code, ErrorCode::task_script_failed) << e.reason;
      EXPECT_NE(e.reason.find("odd_seeds.lua:7: odd seeds are not drawn"), std::string::npos)
          << e.reason;
      EXPECT_NE(e.reason.find("two workers"), std::string::npos) << e.reason;
    }
    EXPECT_EQ(failed, 2u);
  }
  // The user paid for the two images only.
  EXPECT_EQ(outcome->completed.total_charged + outcome->completed.refunded,
            got.ack ? got.ack->quoted : -1);
  EXPECT_GT(outcome->completed.refunded, 0);
  // Neither worker is blamed for the script's failure.
  auto status = client::fetch_status(net.system(), net.endpoint(), std::chrono::seconds(10));
  ASSERT_TRUE(status) << status.error().message;
  for (const auto& n : status->nodes)
    if (n.role == protocol::Role::worker) EXPECT_EQ(n.jobs_failed, 0u) << n.name;
  if (::testing::Test::HasFailure()) net.dump_logs();
}

}  // namespace
}  // namespace seedgrid::testing
