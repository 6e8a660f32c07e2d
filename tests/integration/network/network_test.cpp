// A real network: a coordinator+treasury process, worker processes and a validator process on
// 127.0.0.1, driven from this test process over CAF's middleman like any client.
#include <gtest/gtest.h>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <csignal>
#include <fstream>
#include <set>
#include <thread>

#include "actors/treasury/ledger.hpp"
#include "actors/treasury/settle_group.hpp"
#include "runtime/base/image/png_file.hpp"
#include "runtime/base/link/tls_transport.hpp"
#include "runtime/base/protocol/atoms.hpp"
#include "runtime/base/protocol/inspect.hpp"
#include "runtime/base/protocol/interfaces/coordinator_interface.hpp"
#include "runtime/base/verify/receipt.hpp"
#include "tests/integration/network/network_harness.hpp"

namespace seedgrid::testing {
namespace {

using protocol::ErrorCode;

TEST(Network, SixtyFourImagesOverThreeWorkerProcessesMatchASingleProcessRender) {
  NetworkOptions o;
  // Which results are audited is a keyed hash under the coordinator's secret random salt, which a
  // test cannot seed. At 0.25 over 64 results "none audited" has probability 0.75^64 (1e-8); at
  // the 0.1 used before it was 0.9^64, a failure about once in 800 runs.
  o.audit_rate = 0.25;
  Network net(o);
  net.start();
  const auto request = net.request("r64", 64);
  Collected got;
  auto outcome = run_request(net, request, got);
  ASSERT_TRUE(outcome) << "the request did not complete";
  ASSERT_TRUE(outcome->reply.ok()) << outcome->reply.reason;
  EXPECT_EQ(outcome->completed.delivered, 64u);
  EXPECT_EQ(outcome->duplicate_results, 0u);
  ASSERT_EQ(got.results.size(), 64u);

  std::set<PublicKey> workers;
  std::int64_t charged = 0;
  ASSERT_EQ(got.payments.size(), 64u) << "every delivered image was paid for, and its client told";
  for (std::uint32_t i = 0; i < 64; ++i) {
    const auto& e = got.results.at(i);
    workers.insert(e.worker);
    charged += got.payments.at(i).charged;
    EXPECT_EQ(e.pixels, reference_pixels(request, i))
        << "image " << i << " differs from a local render";
  }
  EXPECT_EQ(workers.size(), 3u) << "every worker process took jobs";
  // Each worker signs a render batch once; every result carries its proof into that signature.
  std::size_t signed_in_batches = 0;
  for (const auto& [index, e] : got.results) {
    ASSERT_NE(e.commitment, nullptr) << "image " << index;
    EXPECT_TRUE(protocol::result_signature_holds(*e.commitment)) << "image " << index;
    signed_in_batches += e.commitment->batch_proof.leaf_count > 1;
  }
  EXPECT_GT(signed_in_batches, 0u) << "four jobs at a time per worker render (and sign) together";
  // Honest workers pass every audit (noise, step openings over the network, decode).
  std::size_t passed = 0;
  for (const auto& [index, e] : got.results) {
    EXPECT_NE(e.audit, "failed") << "image " << index;
    passed += e.audit == "passed";
  }
  {
    std::lock_guard lock(got.mutex);
    for (const auto& e : got.events)
      EXPECT_NE(e.code, ErrorCode::audit_failed) << "an honest result failed its audit: " << e.reason;
  }
  EXPECT_GT(passed, 0u) << "some results were audited";
  EXPECT_EQ(outcome->completed.total_charged, charged);
  EXPECT_GT(got.progress, 64u);  // step-by-step progress was streamed

  net.stop();
  auto ledger = treasury::Ledger::open_read_only(net.ledger_path());
  ASSERT_TRUE(ledger) << ledger.error().message;
  auto history = ledger->history("", 10'000);
  ASSERT_TRUE(history);
  std::set<std::string> settled;
  for (const auto& entry : *history)
    for (const auto& job : treasury::settled_jobs(entry))
      EXPECT_TRUE(settled.insert(job.key).second);
  EXPECT_EQ(settled.size(), 64u);
  auto conservation = ledger->conservation();
  ASSERT_TRUE(conservation);
  for (const auto& c : *conservation) EXPECT_TRUE(c.holds_exactly());
}

TEST(Network, GenerateAndStatusCommandsAgainstARunningNetwork) {
  NetworkOptions o;
  o.workers = 2;
  o.validators = 0;
  Network net(o);
  net.start();
  const auto out = net.dir() / "png";
  const std::string coordinator = "127.0.0.1:" + std::to_string(net.endpoint().port);
  Child generate(
      {SEEDGRID_BINARY, "generate",   "--coordinator", coordinator,
       "--prompt",      "a red fox",  "--count",       "3",
       "--width",       "64",         "--height",      "64",
       "--steps",       "3",          "--seed",        "9",
       "--out",         out.string(), "--key",         (net.dir() / "keys/client.key").string(),
       "--request-id",  "cli-1"},
      net.dir() / "generate.log");
  auto status = generate.wait(std::chrono::seconds(120));
  ASSERT_TRUE(status) << "seedgrid generate did not finish";
  EXPECT_EQ(*status, 0);
  for (int i = 0; i < 3; ++i) {
    auto png = read_png((out / ("cli-1-" + std::to_string(i) + ".png")).string());
    ASSERT_TRUE(png) << png.error().message;
    EXPECT_EQ(png->image.width, 64);
    ASSERT_TRUE(png->parameters);
    EXPECT_NE(png->parameters->find("Seed: " + std::to_string(9 + i)), std::string::npos);
    // The receipt beside it holds the worker's signed commitment for these very pixels.
    auto receipt =
        verify::read_receipt((out / ("cli-1-" + std::to_string(i) + ".receipt.json")).string());
    ASSERT_TRUE(receipt) << receipt.error().message;
    EXPECT_EQ(receipt->image_file, "cli-1-" + std::to_string(i) + ".png");
    EXPECT_EQ(receipt->result.leaf_count, 4u);
    const auto signed_result = verify::job_result_of(*receipt, png->image.pixels);
    EXPECT_TRUE(protocol::check_result(signed_result, signed_result.worker, receipt->job).ok())
        << protocol::check_result(signed_result, signed_result.worker, receipt->job).reason;
  }
  Child status_cmd({SEEDGRID_BINARY, "status", "--coordinator", coordinator},
                   net.dir() / "status.log");
  ASSERT_EQ(status_cmd.wait(std::chrono::seconds(60)), 0);
  std::ifstream log(net.dir() / "status.log");
  const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find(net.worker_identity(0).node_id().substr(0, 16)), std::string::npos) << text;
  EXPECT_NE(text.find("treasury connected"), std::string::npos) << text;
  EXPECT_NE(text.find("audit rate"), std::string::npos) << "each worker's current audit rate";
  EXPECT_NE(text.find("determinism class"), std::string::npos) << text;
  EXPECT_NE(text.find("-f32-"), std::string::npos) << "each node's class: " << text;
}

// Sends a message from this process as an unregistered node would.
protocol::Reply send_unregistered_result(Network& net) {
  auto remote = link::remote_actor(net.system(), net.endpoint(), net.coordinator_id());
  if (!remote) return protocol::refuse(ErrorCode::internal, "unreachable");
  const auto coordinator = caf::actor_cast<protocol::coordinator_actor>(*remote);
  caf::scoped_actor self{net.system()};
  protocol::JobResult forged;
  forged.job_id = "r/0";
  forged.attempt = 1;
  protocol::sign_result(forged, net.client());
  protocol::Reply reply = protocol::refuse(ErrorCode::internal, "no answer");
  self->request(coordinator, std::chrono::seconds(10), protocol::result_atom::value, forged)
      .receive([&](const protocol::Reply& r) { reply = r; }, [](caf::error&) {});
  return reply;
}

TEST(Network, BadInputIsRefusedClearlyAndTheNetworkKeepsServing) {
  NetworkOptions o;
  o.workers = 1;
  o.validators = 0;
  Network net(o);
  net.start();
  auto refused_code = [&](protocol::GenerateRequest r, bool resign = true) {
    if (resign) protocol::sign_request(r, net.client());
    Collected got;
    auto outcome = run_request(net, r, got, std::chrono::seconds(30));
    EXPECT_TRUE(outcome);
    return outcome ? outcome->reply.code : ErrorCode::ok;
  };
  auto r = net.request("bad", 1);
  r.model_id = std::string(64, 'e');
  EXPECT_EQ(refused_code(r), ErrorCode::unknown_model);
  EXPECT_EQ(refused_code(net.request("bad", 0)), ErrorCode::invalid_count);
  EXPECT_EQ(refused_code(net.request("bad", 513)), ErrorCode::invalid_count);
  r = net.request("bad", 1);
  r.width = 4097;
  EXPECT_EQ(refused_code(r), ErrorCode::invalid_size);
  r = net.request("bad", 1);
  r.prompt = "tampered after signing";
  EXPECT_EQ(refused_code(r, false), ErrorCode::bad_signature);
  EXPECT_EQ(send_unregistered_result(net).code, ErrorCode::not_registered);

  // A malformed config stops `seedgrid node` with the JSON path and what was expected.
  const auto bad = net.dir() / "bad.json";
  std::ofstream(bad) << R"({"roles": ["worker"], "node": {"key_file": "k"},
    "worker": {"coordinator": {"host": "127.0.0.1", "port": "seventy"}, "models": [{"path": "m"}]}})";
  Child node({SEEDGRID_BINARY, "node", "--config", bad.string()}, net.dir() / "bad-node.log");
  EXPECT_EQ(node.wait(std::chrono::seconds(30)), 2);
  std::ifstream log(net.dir() / "bad-node.log");
  const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("$.worker.coordinator.port: expected an integer from 1 to 65535"),
            std::string::npos)
      << text;

  // And the next request is served.
  Collected got;
  auto outcome = run_request(net, net.request("good", 2), got);
  ASSERT_TRUE(outcome);
  EXPECT_TRUE(outcome->reply.ok()) << outcome->reply.reason;
  EXPECT_EQ(outcome->completed.delivered, 2u);
}

}  // namespace
}  // namespace seedgrid::testing

namespace seedgrid::testing {
namespace {

// A task type registered by script (coordinator.task_types): listed by `seedgrid status`, its
// parameters carried over the wire, a bad one refused at submit naming it (nothing held), a good
// one rendered by a worker that fetched the script by id, and a txt2img request beside it served
// as before.
TEST(Network, AScriptedTaskTypeIsListedAndItsBadParametersAreRefusedAtSubmit) {
  NetworkOptions o;
  o.workers = 1;
  o.validators = 0;
  o.task_types = {{"hires_fix", std::string(SEEDGRID_SOURCE_DIR) + "/models/tasks/hires_fix.lua"}};
  Network net(o);
  net.start();
  auto hires = [&](const std::string& id, protocol::TaskParams params) {
    auto r = net.request(id, 1);
    r.task_type = "hires_fix";
    r.params = std::move(params);
    protocol::sort_task_params(r.params);
    protocol::sign_request(r, net.client());
    Collected got;
    auto outcome = run_request(net, r, got, std::chrono::seconds(30));
    EXPECT_TRUE(outcome);
    return outcome ? outcome->reply : protocol::refuse(ErrorCode::internal, "no outcome");
  };
  const auto bad = hires("hf-bad", {{"denoise", "0.5"}, {"scale", "9"}});
  EXPECT_EQ(bad.code, ErrorCode::invalid_task_param);
  EXPECT_NE(bad.reason.find("scale"), std::string::npos) << bad.reason;
  EXPECT_NE(bad.reason.find("9"), std::string::npos) << bad.reason;
  EXPECT_TRUE(hires("hf-good", {{"scale", "2"}}).ok());

  const std::string coordinator = "127.0.0.1:" + std::to_string(net.endpoint().port);
  Child generate({SEEDGRID_BINARY, "generate", "--coordinator", coordinator, "--prompt", "a fox",
                  "--task", "hires_fix", "--param", "denoise=lots", "--width", "64", "--height",
                  "64", "--steps", "3", "--out", (net.dir() / "png").string(), "--key",
                  (net.dir() / "keys/client.key").string()},
                 net.dir() / "generate-task.log");
  const auto generated = generate.wait(std::chrono::seconds(60));
  ASSERT_TRUE(generated);
  EXPECT_NE(*generated, 0);
  {
    std::ifstream log(net.dir() / "generate-task.log");
    const std::string text((std::istreambuf_iterator<char>(log)),
                           std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("invalid_task_param"), std::string::npos) << text;
    EXPECT_NE(text.find("denoise"), std::string::npos) << text;
    EXPECT_NE(text.find("lots"), std::string::npos) << text;
  }
  Child status_cmd({SEEDGRID_BINARY, "status", "--coordinator", coordinator},
                   net.dir() / "status.log");
  ASSERT_EQ(status_cmd.wait(std::chrono::seconds(60)), 0);
  std::ifstream log(net.dir() / "status.log");
  const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("hires_fix"), std::string::npos) << text;

  Collected got;
  auto outcome = run_request(net, net.request("plain", 1), got);
  ASSERT_TRUE(outcome);
  EXPECT_TRUE(outcome->reply.ok()) << outcome->reply.reason;
  EXPECT_EQ(outcome->completed.delivered, 1u);
}

TEST(Network, TreasuryOnItsOwnNode) {
  NetworkOptions o;
  o.workers = 2;
  o.validators = 0;
  o.separate_treasury = true;
  Network net(o);
  net.start();
  Collected got;
  auto outcome = run_request(net, net.request("sep", 4), got);
  ASSERT_TRUE(outcome);
  ASSERT_TRUE(outcome->reply.ok()) << outcome->reply.reason;
  EXPECT_EQ(outcome->completed.delivered, 4u);
  EXPECT_GT(outcome->completed.total_charged, 0);
  auto status = client::fetch_status(net.system(), net.endpoint(), std::chrono::seconds(10));
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->treasury_connected);
}

TEST(Network, GenerateCommandCancelsItsRequestOnInterrupt) {
  NetworkOptions o;
  o.workers = 1;
  o.validators = 0;
  Network net(o);
  net.start();
  Child generate({SEEDGRID_BINARY, "generate", "--coordinator",
                  "127.0.0.1:" + std::to_string(net.endpoint().port), "--prompt", "a red fox",
                  "--count", "16", "--width", "64", "--height", "64", "--steps", "150", "--out",
                  (net.dir() / "png").string(), "--key", (net.dir() / "keys/client.key").string()},
                 net.dir() / "generate.log");
  auto log_text = [&] {
    std::ifstream log(net.dir() / "generate.log");
    return std::string((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  };
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (log_text().find("progress") == std::string::npos) {
    ASSERT_LT(std::chrono::steady_clock::now(), until) << log_text();
    ASSERT_TRUE(generate.running()) << log_text();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  generate.signal(SIGINT);
  auto status = generate.wait(std::chrono::seconds(60));
  ASSERT_TRUE(status) << log_text();
  EXPECT_EQ(*status, 130) << log_text();
  const std::string text = log_text();
  EXPECT_NE(text.find("cancelling request"), std::string::npos) << text;
  EXPECT_NE(text.find("cancelled; charged"), std::string::npos) << text;
}

}  // namespace
}  // namespace seedgrid::testing
