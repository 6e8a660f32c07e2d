#include <sodium.h>
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include "runtime/cli/command.hpp"
#include "runtime/base/client/generate_session.hpp"
#include "runtime/base/client/request_report.hpp"
#include "runtime/base/crypto/sodium_init.hpp"
#include "runtime/base/logging/log.hpp"

namespace seedgrid::cli {
namespace {

struct GenerateOptions {
  std::string coordinator;
  std::string model;
  std::string prompt;
  std::string negative_prompt;
  std::optional<std::uint64_t> seed;
  std::uint32_t steps = 20;
  float cfg = 7.5f;
  std::string sampler = "euler";
  bool karras = false;
  std::uint32_t width = 512;
  std::uint32_t height = 512;
  std::uint32_t count = 1;
  std::string tier = "fast";
  bool private_images = false;
  std::string out;
  std::string key;
  std::string request_id;
  int timeout_s = 3600;
  bool verbose = false;
};

std::string default_key_path() {
  const char* home = std::getenv("HOME");
  return (std::filesystem::path(home ? home : ".") / ".config/seedgrid/client.key").string();
}

std::string random_request_id() {
  ensure_sodium();
  std::uint8_t bytes[8];
  randombytes_buf(bytes, sizeof bytes);
  return "req-" + to_hex(bytes);
}

int run_generate(const GenerateOptions& opts) {
  (void)logging::configure(opts.verbose ? "info" : "warn", "");
  auto endpoint = config::parse_endpoint(opts.coordinator);
  if (!endpoint) {
    std::fprintf(stderr, "seedgrid generate: --coordinator %s\n", endpoint.error().message.c_str());
    return 2;
  }
  const auto tier = protocol::tier_from_name(opts.tier);
  if (!tier) {
    std::fprintf(stderr, "seedgrid generate: --tier must be fast or relaxed, got '%s'\n",
                 opts.tier.c_str());
    return 2;
  }
  auto client_key = Identity::load_or_create(opts.key.empty() ? default_key_path() : opts.key);
  if (!client_key) {
    std::fprintf(stderr, "seedgrid generate: %s\n", client_key.error().message.c_str());
    return 1;
  }
  std::error_code ec;
  std::filesystem::create_directories(opts.out, ec);
  if (ec) {
    std::fprintf(stderr, "seedgrid generate: cannot create %s: %s\n", opts.out.c_str(),
                 ec.message().c_str());
    return 1;
  }

  // SIGINT cancels the request (completed steps are paid, the rest refunded); a second one quits.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  client::ClientSystem system;
  auto status = client::fetch_status(system.get(), *endpoint, std::chrono::seconds(30));
  if (!status) {
    std::fprintf(stderr, "seedgrid generate: %s\n", status.error().message.c_str());
    return 1;
  }
  std::string model = opts.model, model_name;
  if (model.empty()) {
    if (status->models.size() != 1) {
      std::fprintf(stderr,
                   "seedgrid generate: the network serves %zu models; choose one with --model:\n",
                   status->models.size());
      for (const auto& m : status->models)
        std::fprintf(stderr, "  %s  %s\n", m.model_id.c_str(), m.name.c_str());
      return 2;
    }
    model = status->models.front().model_id;
  }
  for (const auto& m : status->models)
    if (m.model_id == model) model_name = m.name;

  protocol::GenerateRequest request;
  request.request_id = opts.request_id.empty() ? random_request_id() : opts.request_id;
  request.model_id = model;
  request.prompt = opts.prompt;
  request.negative_prompt = opts.negative_prompt;
  if (opts.seed) {
    request.seed = *opts.seed;
  } else {
    ensure_sodium();
    request.seed = randombytes_uniform(0xffffffffu);
  }
  request.steps = opts.steps;
  request.guidance = opts.cfg;
  request.sampler = opts.sampler;
  request.karras = opts.karras;
  request.width = opts.width;
  request.height = opts.height;
  request.count = opts.count;
  request.tier = *tier;
  request.privacy =
      opts.private_images ? protocol::Privacy::private_images : protocol::Privacy::public_images;
  protocol::sign_request(request, *client_key);
  std::printf("request %s: %u image(s) of %ux%u, %u steps, seed %llu, payer %s\n",
              request.request_id.c_str(), request.count, request.width, request.height,
              request.steps, static_cast<unsigned long long>(request.seed),
              client_key->node_id().c_str());

  client::RequestReport report(request, model_name, opts.out, stdout);
  client::SessionCallbacks callbacks;
  callbacks.on_ack = [&](const protocol::SubmitAck& ack) { report.on_ack(ack); };
  callbacks.on_event = [&](const protocol::ClientEvent& e) { report.on_event(e); };
  client::GenerateSession session(system.get(), nullptr, *endpoint, config::NetworkSection{},
                                  request, std::make_shared<const Identity>(*client_key),
                                  callbacks);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(opts.timeout_s);
  bool cancelled = false;
  std::optional<client::SessionOutcome> outcome;
  while (!(outcome = session.wait(std::chrono::milliseconds(100)))) {
    const timespec zero{0, 0};
    if (sigtimedwait(&signals, nullptr, &zero) > 0) {
      if (cancelled) return 130;
      cancelled = true;
      std::fprintf(stderr, "\ncancelling request %s (interrupt again to quit)\n",
                   request.request_id.c_str());
      session.cancel();
    }
    if (std::chrono::steady_clock::now() > deadline) {
      std::fprintf(stderr, "seedgrid generate: no completion within %d s\n", opts.timeout_s);
      return 1;
    }
  }
  report.finish(*outcome);
  if (!outcome->reply.ok()) return 1;
  if (report.write_error()) return 1;
  if (cancelled) return 130;
  return outcome->completed.delivered == request.count ? 0 : 3;
}

const CommandRegistration generate_command{
    "generate", "Submit a request to a running network and write the images as PNG files",
    [](CLI::App& app) -> CommandRun {
      auto opts = std::make_shared<GenerateOptions>();
      app.add_option("--coordinator", opts->coordinator, "HOST:PORT of the coordinator")
          ->required();
      app.add_option("--prompt", opts->prompt, "What to draw")->required();
      app.add_option("--negative-prompt", opts->negative_prompt, "What not to draw");
      app.add_option("--model", opts->model, "Model id (default: the network's only model)");
      app.add_option("--seed", opts->seed,
                     "Seed of image 0 (image i uses seed + i; default random)");
      app.add_option("--steps", opts->steps, "Sampler steps");
      app.add_option("--cfg", opts->cfg, "Classifier-free guidance scale");
      app.add_option("--sampler", opts->sampler, "euler, euler_a, ddim or dpmpp_2m");
      app.add_flag("--karras", opts->karras, "Karras sigma schedule");
      app.add_option("--width", opts->width, "Image width (multiple of 8)");
      app.add_option("--height", opts->height, "Image height (multiple of 8)");
      app.add_option("--count", opts->count, "Number of images (1..512)");
      app.add_option("--tier", opts->tier, "fast or relaxed (cheaper, dispatched after fast work)");
      app.add_flag("--private", opts->private_images,
                   "The coordinator forgets the images once delivered");
      app.add_option("--out", opts->out, "Directory for the PNG files")->required();
      app.add_option(
          "--key", opts->key,
          "Client key file (created on first use; default ~/.config/seedgrid/client.key)");
      app.add_option("--request-id", opts->request_id,
                     "Request id (default random); re-using one resumes it");
      app.add_option("--timeout", opts->timeout_s, "Seconds to wait for completion");
      app.add_flag("--verbose", opts->verbose, "Log connections and reconnections");
      return [opts] { return run_generate(*opts); };
    }};

}  // namespace
}  // namespace seedgrid::cli
