#include <sodium.h>
#include <CLI/CLI.hpp>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/base/client/answer_timeouts.hpp"
#include "runtime/base/client/generate_session.hpp"
#include "runtime/base/client/request_report.hpp"
#include "runtime/base/crypto/sodium_init.hpp"
#include "runtime/base/image/png_file.hpp"
#include "runtime/base/logging/log.hpp"
#include "runtime/base/protocol/input_image.hpp"
#include "runtime/base/protocol/wire_number.hpp"
#include "runtime/cli/command.hpp"
#include "runtime/cli/input_file.hpp"
#include "runtime/cli/node_id_option.hpp"
#include "runtime/cli/seed_option.hpp"
#include "runtime/cli/stop_signals.hpp"

namespace seedgrid::cli {
namespace {

struct GenerateOptions {
  std::string coordinator;
  std::string coordinator_key;  // pin: the coordinator's node id
  bool insecure = false;        // plain TCP (a network of nodes with network.insecure)
  std::string model;
  std::string task = "txt2img";     // or a task type the coordinator serves by script
  std::vector<std::string> params;  // --param NAME=VALUE, for a scripted task type
  // Image parameters: --init-image FILE, --mask FILE, --image NAME=FILE (PNG files).
  std::string init_image, mask;
  std::vector<std::string> images;
  std::string prompt;
  std::string negative_prompt;
  std::string seed = "-1";  // random (seed_option.hpp)
  std::uint32_t steps = 20;
  std::string cfg = "7.5";  // parsed here, so a refusal can quote it as written
  std::string sampler = "euler";
  bool karras = false;
  std::uint32_t width = 0;  // 0: not given (kDefaultSide, or --init-image's size)
  std::uint32_t height = 0;
  std::uint32_t count = 1;
  // Relaxed by default: every worker serves it, while fast needs workers with bonded stake, which a
  // new network has none of (tokens come from epochs); on an idle network it starts as soon.
  std::string tier = "relaxed";
  bool private_images = false;
  std::string out;
  std::string key;
  std::string request_id;
  std::string resume;  // follow this request again, by its id alone
  int timeout_s = 3600;
  bool verbose = false;
};

constexpr std::uint32_t kDefaultSide = 512;

// The image parameters given as files: each read, named in the request's parameters by its id
// and carried with it (protocol/input_image.hpp). An error names the option and the file.
Result<void> add_images(const GenerateOptions& opts, protocol::GenerateRequest& request,
                        const RgbImage** init_image) {
  std::vector<std::pair<std::string, std::string>> named;  // parameter, file
  if (!opts.init_image.empty()) named.emplace_back("init_image", opts.init_image);
  if (!opts.mask.empty()) named.emplace_back("mask", opts.mask);
  for (const auto& item : opts.images) {
    const std::size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
      return fail("--image must be NAME=FILE.png, got '", item, "'");
    named.emplace_back(item.substr(0, eq), item.substr(eq + 1));
  }
  std::string init_id;
  for (const auto& [name, file] : named) {
    auto png = read_png(file);
    if (!png) return context(png.error(), "image parameter ", name);
    if (name == "init_image") init_id = protocol::input_image_id(png->image);
    protocol::attach_input_image(request, name, std::move(png->image));
  }
  *init_image = nullptr;
  for (const auto& image : request.images)
    if (!init_id.empty() && protocol::input_image_id(image) == init_id) *init_image = &image;
  return {};
}

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

// 'text' for a POSIX shell.
std::string shell_quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The command that follows a request again after this process is gone: the id is enough (the
// coordinator answers an attach with the request as this key signed it).
std::string resume_command(const GenerateOptions& opts, const std::string& request_id) {
  std::string c = "seedgrid generate --coordinator " + opts.coordinator + " --resume " +
                  request_id + " --out " + shell_quoted(opts.out);
  if (!opts.key.empty()) c += " --key " + shell_quoted(opts.key);
  if (!opts.coordinator_key.empty()) c += " --coordinator-key " + opts.coordinator_key;
  if (opts.insecure) c += " --insecure";
  return c;
}

config::NetworkSection network_of(const GenerateOptions& opts) {
  config::NetworkSection n;
  n.insecure = opts.insecure;
  return n;
}

// What every run needs before it talks to the network: the coordinator's address, the client's
// key, the output folder; SIGINT and SIGTERM blocked so the wait loop can take them.
struct Client {
  config::Endpoint endpoint;
  Identity key;
  sigset_t signals;
};

Result<Client> prepare(const GenerateOptions& opts, int& status) {
  status = kUsageError;
  auto endpoint = config::parse_endpoint(opts.coordinator);
  if (!endpoint) return fail("--coordinator ", endpoint.error().message);
  // A missing key is created; one that is there must be a file this process can read.
  std::error_code exists_ec;
  if (!opts.key.empty() && std::filesystem::exists(opts.key, exists_ec))
    if (auto readable = check_input("--key", opts.key); !readable) return pass_on(readable);
  status = 1;
  auto client_key = Identity::load_or_create(opts.key.empty() ? default_key_path() : opts.key);
  if (!client_key) return pass_on(client_key);
  std::error_code ec;
  std::filesystem::create_directories(opts.out, ec);
  if (ec) return fail("cannot create ", opts.out, ": ", ec.message());
  Client c{*endpoint, std::move(*client_key), {}};
  // SIGINT cancels the request (completed steps are paid, the rest refunded); a second one quits.
  c.signals = stop_signals();
  block_stop_signals();
  return c;
}

// Waits for the session, cancelling on the first interrupt; nothing when --timeout passed first
// (then the exit status is in `status`).
std::optional<client::SessionOutcome> wait_for(client::GenerateSession& session,
                                               const GenerateOptions& opts, Client& client,
                                               const std::string& request_id, bool& cancelled,
                                               int& status) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(opts.timeout_s);
  std::optional<client::SessionOutcome> outcome;
  while (!(outcome = session.wait(std::chrono::milliseconds(100)))) {
    const timespec zero{0, 0};
    if (sigtimedwait(&client.signals, nullptr, &zero) > 0) {
      if (cancelled) {
        status = 130;
        return std::nullopt;
      }
      cancelled = true;
      std::fprintf(stderr, "\ncancelling request %s (interrupt again to quit)\n",
                   request_id.c_str());
      session.cancel();
    }
    if (std::chrono::steady_clock::now() > deadline) {
      std::fprintf(stderr,
                   "seedgrid generate: request %s did not complete within %d s; the network "
                   "keeps working on it. Follow it again with:\n  %s\n",
                   request_id.c_str(), opts.timeout_s, resume_command(opts, request_id).c_str());
      status = 1;
      return std::nullopt;
    }
  }
  return outcome;
}

int exit_status(const client::SessionOutcome& outcome, const client::RequestReport& report,
                bool cancelled, std::uint32_t count) {
  if (!outcome.reply.ok()) return 1;
  if (report.write_error()) return 1;
  if (cancelled) return 130;
  return outcome.completed.delivered == count ? 0 : 3;
}

// The model --model names, as `seedgrid status` shows models: its id, a unique start of it (as
// status prints 16 digits), or its name; with no --model, the network's only one. Empty when none
// or several match.
std::string model_of(const protocol::StatusReport& status, const std::string& given) {
  if (given.empty())
    return status.models.size() == 1 ? status.models.front().model_id : std::string();
  std::vector<std::string> by_name, by_start;
  for (const auto& m : status.models) {
    if (m.model_id == given) return m.model_id;
    if (m.name == given) by_name.push_back(m.model_id);
    if (given.size() >= 8 && m.model_id.starts_with(given)) by_start.push_back(m.model_id);
  }
  if (by_name.size() == 1) return by_name.front();
  if (by_name.empty() && by_start.size() == 1) return by_start.front();
  return "";
}

std::string model_name_of(const protocol::StatusReport& status, const std::string& model) {
  for (const auto& m : status.models)
    if (m.model_id == model) return m.name;
  return "";
}

// `--resume ID`: attach to a request this key submitted earlier; the images already delivered
// are written first, then the rest as they come.
int run_resume(const GenerateOptions& opts) {
  int status = 0;
  auto client = prepare(opts, status);
  if (!client) {
    std::fprintf(stderr, "seedgrid generate: %s\n", client.error().message.c_str());
    return status;
  }
  client::ClientSystem system(network_of(opts), std::make_shared<const Identity>(client->key));
  auto report_of_network = client::fetch_status(system.get(), client->endpoint,
                                                client::kStatusAnswerTimeout, opts.coordinator_key);
  if (!report_of_network) {
    std::fprintf(stderr, "seedgrid generate: %s\n", report_of_network.error().message.c_str());
    return 1;
  }
  std::printf("following request %s at %s\n", opts.resume.c_str(), opts.coordinator.c_str());
  std::printf("to follow this request again: %s\n", resume_command(opts, opts.resume).c_str());
  std::fflush(stdout);
  // The request (prompt, seed, size) arrives with the acknowledgement: the report starts then.
  std::optional<client::RequestReport> report;
  client::SessionCallbacks callbacks;
  callbacks.on_ack = [&](const protocol::SubmitAck& ack) {
    report.emplace(ack.request, model_name_of(*report_of_network, ack.request.model_id), opts.out,
                   stdout);
    report->on_ack(ack);
  };
  callbacks.on_event = [&](const protocol::ClientEvent& e) {
    if (report) report->on_event(e);
  };
  client::GenerateSession session(
      system.get(), nullptr, client->endpoint, network_of(opts),
      client::GenerateSession::Resume{opts.resume, report_of_network->coordinator},
      std::make_shared<const Identity>(client->key), callbacks);
  bool cancelled = false;
  auto outcome = wait_for(session, opts, *client, opts.resume, cancelled, status);
  if (!outcome) return status;
  if (!report) {  // refused before the request was known: nothing to report but why
    std::printf("refused: %s (%u) %s\n",
                std::string(protocol::error_code_name(outcome->reply.code)).c_str(),
                static_cast<unsigned>(outcome->reply.code), outcome->reply.reason.c_str());
    return 1;
  }
  report->finish(*outcome);
  return exit_status(*outcome, *report, cancelled, outcome->ack.jobs);
}

int run_generate(const GenerateOptions& opts) {
  (void)logging::configure(opts.verbose ? "info" : "warn", "");
  if (!opts.resume.empty()) return run_resume(opts);
  if (opts.prompt.empty()) {
    std::fprintf(stderr,
                 "seedgrid generate: --prompt is required (or --resume ID to follow a request "
                 "submitted earlier)\n");
    return kUsageError;
  }
  // Before any message is built: CAF cannot carry inf, nan or a subnormal (it hung on inf).
  char* end = nullptr;
  const float cfg = static_cast<float>(std::strtod(opts.cfg.c_str(), &end));
  if (opts.cfg.empty() || end != opts.cfg.c_str() + opts.cfg.size()) {
    std::fprintf(stderr, "seedgrid generate: --cfg must be a number, found '%s'\n",
                 opts.cfg.c_str());
    return 2;
  }
  if (auto ok = protocol::check_wire_number("--cfg", cfg, opts.cfg); !ok) {
    std::fprintf(stderr, "seedgrid generate: %s\n", ok.error().message.c_str());
    return 2;
  }
  if (auto endpoint = config::parse_endpoint(opts.coordinator); !endpoint) {
    std::fprintf(stderr, "seedgrid generate: --coordinator %s\n", endpoint.error().message.c_str());
    return 2;
  }
  const auto tier = protocol::tier_from_name(opts.tier);
  if (!tier) {
    std::fprintf(stderr, "seedgrid generate: --tier must be fast or relaxed, got '%s'\n",
                 opts.tier.c_str());
    return 2;
  }
  auto seed = parse_seed(opts.seed);
  if (!seed) {
    std::fprintf(stderr, "seedgrid generate: %s\n", seed.error().message.c_str());
    return 2;
  }
  int status = 0;
  auto client = prepare(opts, status);
  if (!client) {
    std::fprintf(stderr, "seedgrid generate: %s\n", client.error().message.c_str());
    return status;
  }

  client::ClientSystem system(network_of(opts), std::make_shared<const Identity>(client->key));
  auto network = client::fetch_status(system.get(), client->endpoint, client::kStatusAnswerTimeout,
                                      opts.coordinator_key);
  if (!network) {
    std::fprintf(stderr, "seedgrid generate: %s\n", network.error().message.c_str());
    return 1;
  }
  const std::string model = model_of(*network, opts.model);
  if (model.empty()) {
    if (opts.model.empty())
      std::fprintf(stderr,
                   "seedgrid generate: the network serves %zu models; choose one with --model:\n",
                   network->models.size());
    else
      std::fprintf(stderr,
                   "seedgrid generate: --model '%s' is no model of this network (neither an id, "
                   "an id's start, nor a name); it serves:\n",
                   opts.model.c_str());
    for (const auto& m : network->models)
      std::fprintf(stderr, "  %s  %s\n", m.model_id.c_str(), m.name.c_str());
    return 2;
  }

  protocol::GenerateRequest request;
  request.request_id = opts.request_id.empty() ? random_request_id() : opts.request_id;
  request.model_id = model;
  request.task_type = opts.task;
  for (const auto& param : opts.params) {
    const std::size_t eq = param.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::fprintf(stderr, "seedgrid generate: --param must be NAME=VALUE, got '%s'\n",
                   param.c_str());
      return 2;
    }
    request.params.push_back({param.substr(0, eq), param.substr(eq + 1)});
  }
  const RgbImage* init_image = nullptr;
  if (auto added = add_images(opts, request, &init_image); !added) {
    std::fprintf(stderr, "seedgrid generate: %s\n", added.error().message.c_str());
    return 2;
  }
  // The signed bytes list parameters by name; the coordinator checks them against the script.
  protocol::sort_task_params(request.params);
  request.prompt = opts.prompt;
  request.negative_prompt = opts.negative_prompt;
  request.seed = seed->value_or(random_seed());
  request.steps = opts.steps;
  request.guidance = cfg;
  request.sampler = opts.sampler;
  request.karras = opts.karras;
  // An image task renders at its image's size unless told otherwise (the coordinator refuses a
  // size the task does not render, naming the one it does).
  request.width = opts.width != 0 ? opts.width
                                   : (init_image ? static_cast<std::uint32_t>(init_image->width)
                                                 : kDefaultSide);
  request.height = opts.height != 0 ? opts.height
                                     : (init_image ? static_cast<std::uint32_t>(init_image->height)
                                                   : kDefaultSide);
  request.count = opts.count;
  request.tier = *tier;
  request.privacy =
      opts.private_images ? protocol::Privacy::private_images : protocol::Privacy::public_images;
  protocol::sign_request(request, client->key);
  std::printf("request %s: %u image(s) of %ux%u, %u steps, seed %llu%s, payer %s\n",
              request.request_id.c_str(), request.count, request.width, request.height,
              request.steps, static_cast<unsigned long long>(request.seed),
              *seed ? "" : " (random)", client->key.node_id().c_str());
  if (request.task_type != protocol::kTaskTxt2Img) {
    std::printf("task %s", request.task_type.c_str());
    for (const auto& p : request.params) std::printf(" %s=%s", p.name.c_str(), p.value.c_str());
    std::printf("\n");
  }
  // Printed before anything can go wrong, so an interrupted or timed-out client can follow the
  // request again (the network keeps working on it either way).
  std::printf("to follow this request again: %s\n",
              resume_command(opts, request.request_id).c_str());
  std::fflush(stdout);

  client::RequestReport report(request, model_name_of(*network, model), opts.out, stdout);
  client::SessionCallbacks callbacks;
  callbacks.on_ack = [&](const protocol::SubmitAck& ack) { report.on_ack(ack); };
  callbacks.on_event = [&](const protocol::ClientEvent& e) { report.on_event(e); };
  client::GenerateSession session(system.get(), nullptr, client->endpoint, network_of(opts),
                                  request,
                                  std::make_shared<const Identity>(client->key), callbacks);
  bool cancelled = false;
  auto outcome = wait_for(session, opts, *client, request.request_id, cancelled, status);
  if (!outcome) return status;
  report.finish(*outcome);
  return exit_status(*outcome, report, cancelled, request.count);
}

const CommandRegistration generate_command{
    "generate", "Submit a request to a running network and write the images as PNG files",
    [](CLI::App& app) -> CommandRun {
      app.footer(
          "Ctrl-C cancels the request: jobs not started are refunded, a job under way stops where "
          "it is and its completed steps are paid; the images already delivered stay written. "
          "A second Ctrl-C quits without waiting for the cancel to finish (exit status 130).");
      set_example(app,
                  "seedgrid generate --coordinator 127.0.0.1:7400 --prompt \"a red fox\" --count 4 "
                  "--out out");
      auto opts = std::make_shared<GenerateOptions>();
      app.add_option("--coordinator", opts->coordinator, "HOST:PORT of the coordinator")
          ->required();
      app.add_option("--prompt", opts->prompt, "What to draw (required unless --resume)");
      app.add_option("--negative-prompt", opts->negative_prompt, "What not to draw");
      app.add_option("--model", opts->model,
                     "Model: its name or id as `seedgrid status` shows it (default: the network's "
                     "only model)");
      app.add_option("--task", opts->task,
                     "Task type: txt2img, or one the coordinator serves by script (`seedgrid "
                     "status` lists them)");
      app.add_option("--param", opts->params,
                     "NAME=VALUE: a parameter of a scripted task type (repeat for more); the "
                     "standard ones (--steps, --width, ...) are given as those options");
      app.add_option("--seed", opts->seed, "Seed of image 0 (image i uses seed + i); -1: random");
      app.add_option("--steps", opts->steps, "Sampler steps (at least 1)")
          ->check(CLI::PositiveNumber);
      app.add_option("--cfg", opts->cfg, "Classifier-free guidance scale");
      app.add_option("--sampler", opts->sampler, "euler, euler_a, ddim or dpmpp_2m");
      app.add_flag("--karras", opts->karras, "Karras sigma schedule");
      app.add_option("--init-image", opts->init_image,
                     "PNG file: the init_image of an image task (img2img, inpaint, outpaint)");
      app.add_option("--mask", opts->mask, "PNG file: the mask of inpaint (white renders)");
      app.add_option("--image", opts->images,
                     "NAME=FILE.png: another image parameter of a scripted task (repeatable)");
      app.add_option("--width", opts->width,
                     "Image width (a multiple of the model's size multiple: 64 for SD 1.x); "
                     "default 512, or --init-image's width");
      app.add_option("--height", opts->height,
                     "Image height (a multiple of the model's size multiple: 64 for SD 1.x); "
                     "default 512, or --init-image's height");
      app.add_option("--count", opts->count, "Number of images (1..512)")
          ->check(CLI::Range(1, 512));
      app.add_option(
          "--tier", opts->tier,
          "relaxed (any worker; half the price, dispatched after fast work) or fast (only workers "
          "with bonded stake)");
      app.add_flag("--private", opts->private_images,
                   "The coordinator forgets the images once delivered, and the prompt once the "
                   "audit and appeal windows of its images have closed");
      app.add_option("--out", opts->out, "Directory for the PNG files")->required();
      app.add_option(
          "--key", opts->key,
          "Client key file (created on first use; default ~/.config/seedgrid/client.key)");
      app.add_option("--request-id", opts->request_id,
                     "Request id (default random); submitting the same request again resumes it");
      app.add_option("--resume", opts->resume,
                     "Follow request ID submitted earlier with this key: write the images already "
                     "delivered, then the rest (no other request option needed)");
      app.add_option("--timeout", opts->timeout_s, "Seconds to wait for completion");
      app.add_option("--coordinator-key", opts->coordinator_key,
                     "The coordinator's node id (64 hex, `seedgrid keygen --show`): a coordinator "
                     "whose TLS certificate holds another key is refused (default: any key)")
          ->check(node_id_problem, "NODE_ID");
      app.add_flag("--insecure", opts->insecure,
                   "Plain TCP instead of TLS, for a network whose nodes run network.insecure");
      app.add_flag("--verbose", opts->verbose, "Log connections and reconnections");
      return [opts] { return run_generate(*opts); };
    }};

}  // namespace
}  // namespace seedgrid::cli
