// Scripted task types on a real network of processes: workers fetch the script by id from the
// coordinator and render it (the bytes and root a single-process run of the script gives), a
// validator audits every job by replaying the script over the worker's openings of its passes
// (noise of each pass, steps, decode), and a script that fails on some seeds fails those jobs on
// two workers, and then on the validator, before they are refunded, blaming neither. Image tasks (img2img,
// inpaint) carry their images with the request: workers and validators fetch them by id, and a
// request whose images do not fit its task is refused before anything is charged.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "runtime/base/image/png_file.hpp"
#include "runtime/base/protocol/input_image.hpp"
#include "runtime/base/verify/receipt.hpp"
#include "tests/integration/network/network_harness.hpp"

namespace seedgrid::testing {
namespace {

using protocol::ErrorCode;

const std::string kTasks = std::string(SEEDGRID_SOURCE_DIR) + "/models/tasks/";
const std::string kHiresFix = kTasks + "hires_fix.lua";

// `seedgrid audit RECEIPT --model TINY EXTRA...`: its exit status and what it printed.
std::pair<int, std::string> run_audit(Network& net, const std::filesystem::path& receipt,
                                      std::vector<std::string> extra, const std::string& log) {
  std::vector<std::string> argv{SEEDGRID_BINARY, "audit", receipt.string(), "--model",
                                tiny_model_path()};
  argv.insert(argv.end(), extra.begin(), extra.end());
  Child child(argv, net.dir() / log);
  const auto status = child.wait(std::chrono::seconds(120));
  std::ifstream in(net.dir() / log);
  return {status.value_or(-1),
          std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>())};
}

// How often `text` occurs in node `name`'s log.
std::size_t log_count(Network& net, const std::string& name, const std::string& text) {
  std::ifstream log(net.dir() / (name + ".log"));
  const std::string all((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  std::size_t n = 0;
  for (auto at = all.find(text); at != std::string::npos; at = all.find(text, at + 1)) ++n;
  return n;
}

// A smooth gradient with a bright square: an image with structure for img2img to keep.
RgbImage test_image(int width, int height) {
  RgbImage image{width, height, std::vector<std::uint8_t>(std::size_t(width) * height * 3)};
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      auto* px = &image.pixels[(std::size_t(y) * width + x) * 3];
      const bool square = x > width / 4 && x < width / 2 && y > height / 4 && y < height / 2;
      px[0] = static_cast<std::uint8_t>(square ? 240 : 4 * x);
      px[1] = static_cast<std::uint8_t>(square ? 230 : 4 * y);
      px[2] = static_cast<std::uint8_t>(square ? 20 : 128);
    }
  return image;
}

// White on the right half: what inpaint renders.
RgbImage right_half_mask(int width, int height) {
  RgbImage mask{width, height, std::vector<std::uint8_t>(std::size_t(width) * height * 3, 0)};
  for (int y = 0; y < height; ++y)
    for (int x = width / 2; x < width; ++x)
      for (int c = 0; c < 3; ++c) mask.pixels[(std::size_t(y) * width + x) * 3 + c] = 255;
  return mask;
}

TEST(TaskScriptNetwork, WorkersRenderAScriptedTaskAndAValidatorReplaysItOverTheirOpenings) {
  NetworkOptions o;
  o.workers = 2;
  o.validators = 1;
  o.audit_rate = 1.0;
  o.task_types = {{"hires_fix", kHiresFix}};
  Network net(o);
  net.start();
  const auto request =
      scripted_request(net, "hires", "hires_fix", 3, 3, {{"hires_steps", "4"}, {"scale", "2"}});
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
      ASSERT_NE(e.commitment, nullptr) << "job " << index;
      EXPECT_EQ(e.commitment->leaf_count, 7u) << "job " << index;
      EXPECT_EQ(e.pixels, reference_scripted_pixels(kHiresFix, request, index)) << "job " << index;
    }
  }
  // The validator replayed each job over the worker's openings, fetched through the coordinator:
  // a noise audit per pass, the planned steps and the decode; no full re-run (full_rate 0).
  std::size_t replayed = 0;
  for (const auto& v : recorded_verdicts(net, 0, "hires/")) {
    ++replayed;
    EXPECT_EQ(v.outcome, protocol::AuditOutcome::pass) << v.detail;
    // In pass order: "noise pass, step 1 pass, noise pass, step 5 pass, decode pass".
    auto count = [&](const std::string& part) {
      std::size_t n = 0;
      for (auto at = v.detail.find(part); at != std::string::npos; at = v.detail.find(part, at + 1))
        ++n;
      return n;
    };
    EXPECT_EQ(count("noise pass"), 2u) << v.detail;
    EXPECT_EQ(count("step "), 2u) << v.detail;
    EXPECT_EQ(count("decode pass"), 1u) << v.detail;
    EXPECT_EQ(v.detail.find("full"), std::string::npos) << v.detail;
  }
  EXPECT_EQ(replayed, 3u);
  // Each worker fetched the script once, however many of its jobs needed it.
  std::size_t fetched = 0;
  for (int w = 0; w < 2; ++w) {
    const std::size_t loads = log_count(net, "worker-" + std::to_string(w), "received task script");
    EXPECT_LE(loads, 1u) << "worker " << w;
    fetched += loads;
  }
  EXPECT_GE(fetched, 1u);
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
    return run_audit(net, out / "cli-hires-0.receipt.json", std::move(extra), log);
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

TEST(TaskScriptNetwork, AScriptFailingOnSomeSeedsFailsThoseJobsOnTwoWorkersAndAValidatorThenRefunds) {
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
  o.validators = 1;
  o.audit_rate = 1.0;  // every claimed failure is checked by the validator before its refund
  o.task_types = {{"odd_seeds", script.string()}};
  Network net(o);
  net.start();
  auto request = scripted_request(net, "odd", "odd_seeds", 4, 3, {});
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
      EXPECT_NE(e.reason.find("confirmed by validator"), std::string::npos) << e.reason;
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
  for (const auto& n : status->nodes) {
    if (n.role == protocol::Role::worker) {
      EXPECT_EQ(n.jobs_failed, 0u) << n.name;
    }
  }
  if (::testing::Test::HasFailure()) net.dump_logs();
}

TEST(TaskScriptNetwork, ImageTasksCarryTheirImagesToTheWorkersAndTheValidator) {
  NetworkOptions o;
  o.workers = 2;
  o.validators = 1;
  o.audit_rate = 1.0;
  o.task_types = {{"img2img", kTasks + "img2img.lua"}, {"inpaint", kTasks + "inpaint.lua"}};
  Network net(o);
  net.start();
  const RgbImage image = test_image(64, 64), mask = right_half_mask(64, 64);
  const std::string image_id = protocol::input_image_id(image);
  const std::string mask_id = protocol::input_image_id(mask);
  auto with_images = [&](const std::string& id, const std::string& task, std::uint32_t count,
                         protocol::TaskParams params, std::vector<RgbImage> images) {
    return scripted_request(net, id, task, count, 4, std::move(params), std::move(images));
  };

  // img2img and inpaint render on the workers what a local run of the script renders from the
  // same images, and the validator, fetching the images too, passes every job.
  const auto img2img = with_images("img2img", "img2img", 2,
                                   {{"init_image", image_id}, {"strength", "0.5"}}, {image});
  const auto inpaint = with_images("inpaint", "inpaint", 1,
                                   {{"init_image", image_id}, {"mask", mask_id}}, {image, mask});
  for (const auto* request : {&img2img, &inpaint}) {
    Collected got;
    auto outcome = run_request(net, *request, got, std::chrono::seconds(300));
    ASSERT_TRUE(outcome);
    ASSERT_TRUE(outcome->reply.ok()) << outcome->reply.reason;
    EXPECT_EQ(outcome->completed.delivered, request->count);
    std::lock_guard lock(got.mutex);
    ASSERT_EQ(got.results.size(), request->count);
    for (const auto& [index, e] : got.results) {
      EXPECT_EQ(e.audit, "passed") << request->task_type << " job " << index;
      EXPECT_EQ(e.pixels,
                reference_scripted_pixels(kTasks + request->task_type + ".lua", *request, index))
          << request->task_type << " job " << index;
    }
  }

  // Each node fetched each image once (two images in all), however many jobs named it.
  std::size_t fetched = 0;
  for (int w = 0; w < 2; ++w) {
    const std::size_t images = log_count(net, "worker-" + std::to_string(w), "received image");
    EXPECT_LE(images, 2u) << "worker " << w;
    fetched += images;
  }
  EXPECT_GE(fetched, 2u);

  // Refused before anything is charged, each with the offending parameter or size named.
  auto refusal = [&](const protocol::GenerateRequest& request) {
    Collected got;
    auto outcome = run_request(net, request, got, std::chrono::seconds(60));
    EXPECT_TRUE(outcome);
    if (!outcome) return std::string();
    EXPECT_FALSE(outcome->reply.ok()) << request.request_id;
    EXPECT_EQ(outcome->reply.code, ErrorCode::invalid_task_param) << outcome->reply.reason;
    return outcome->reply.reason;
  };
  const std::string missing = refusal(
      with_images("no-image", "img2img", 1, {{"init_image", mask_id}}, {}));
  EXPECT_NE(missing.find("did not come with the request"), std::string::npos) << missing;
  const std::string small_mask =
      refusal(with_images("small-mask", "inpaint", 1,
                          {{"init_image", image_id},
                           {"mask", protocol::input_image_id(right_half_mask(32, 32))}},
                          {image, right_half_mask(32, 32)}));
  EXPECT_NE(small_mask.find("inpaint.lua"), std::string::npos) << small_mask;
  EXPECT_NE(small_mask.find("mask is 32 x 32 but init_image is 64 x 64"), std::string::npos)
      << small_mask;
  auto wrong_size = with_images("wrong-size", "img2img", 1, {{"init_image", image_id}}, {image});
  wrong_size.width = 128;
  protocol::sign_request(wrong_size, net.client());
  const std::string size_reason = refusal(wrong_size);
  EXPECT_NE(size_reason.find("renders 64 x 64"), std::string::npos) << size_reason;
  EXPECT_NE(size_reason.find("--width 64 --height 64"), std::string::npos) << size_reason;
  const std::string unnamed = refusal(
      with_images("unnamed", "img2img", 1, {{"init_image", image_id}}, {image, mask}));
  EXPECT_NE(unnamed.find("which no parameter names"), std::string::npos) << unnamed;
  auto torn = image;
  torn.pixels.pop_back();
  const std::string torn_reason = refusal(
      with_images("torn", "img2img", 1, {{"init_image", protocol::input_image_id(torn)}}, {torn}));
  EXPECT_NE(torn_reason.find("where RGB needs 12288"), std::string::npos) << torn_reason;

  // `generate --init-image` over the network (the size taken from the image), and `audit --full`
  // of its receipt given the same image file.
  const auto out = net.dir() / "png";
  const auto init_file = net.dir() / "init.png";
  ASSERT_TRUE(write_png(init_file.string(), image, ""));
  Child generate({SEEDGRID_BINARY, "generate",
                  "--coordinator", "127.0.0.1:" + std::to_string(net.endpoint().port),
                  "--task",        "img2img",
                  "--init-image",  init_file.string(),
                  "--param",       "strength=0.6",
                  "--prompt",      "a fox",
                  "--steps",       "4",
                  "--request-id",  "cli-img2img",
                  "--out",         out.string(),
                  "--key",         (net.dir() / "keys/client.key").string()},
                 net.dir() / "generate-img2img.log");
  const auto generated = generate.wait(std::chrono::seconds(120));
  ASSERT_TRUE(generated);
  EXPECT_EQ(*generated, 0);
  auto receipt = verify::read_receipt((out / "cli-img2img-0.receipt.json").string());
  ASSERT_TRUE(receipt) << receipt.error().message;
  EXPECT_EQ(receipt->job.spec.width, 64u);
  bool names_image = false;
  for (const auto& p : receipt->job.spec.params)
    names_image = names_image || (p.name == "init_image" && p.value == image_id);
  EXPECT_TRUE(names_image) << "the receipt commits to the image by its id";
  auto audit = [&](std::vector<std::string> extra, const std::string& log) {
    extra.insert(extra.begin(), {"--full", "--tasks-dir", kTasks});
    return run_audit(net, out / "cli-img2img-0.receipt.json", std::move(extra), log);
  };
  const auto [passed, passed_text] = audit({"--image", init_file.string()}, "audit-img.log");
  EXPECT_EQ(passed, 0) << passed_text;
  EXPECT_NE(passed_text.find("PASS  full"), std::string::npos) << passed_text;
  const auto [no_image, no_image_text] = audit({}, "audit-noimage.log");
  EXPECT_EQ(no_image, 2) << no_image_text;
  EXPECT_NE(no_image_text.find("--image FILE.png"), std::string::npos) << no_image_text;
  if (::testing::Test::HasFailure()) net.dump_logs();
}

}  // namespace
}  // namespace seedgrid::testing
