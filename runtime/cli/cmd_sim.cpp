// `seedgrid sim`: a whole network in one process — coordinator, treasury, CPU workers and a
// validator, each its own actor talking the protocol of separate nodes — on the trained shapes
// model (models/zoo/shapes, copied into the data directory on first run) or, with --model tiny, the
// random-weight tiny preset. It submits one request per prompt, shows their progress, writes the
// PNGs and prints each image's worker, audit outcome and payment.
#include <sodium.h>
#include <CLI/CLI.hpp>
#include <caf/all.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "actors/treasury/ledger.hpp"
#include "actors/treasury/treasury_actor_desk.hpp"
#include "config/model_thresholds.hpp"
#include "models/presets/write_preset.hpp"
#include "models/weights/checkpoint.hpp"
#include "runtime/base/client/generate_session.hpp"
#include "runtime/base/client/request_report.hpp"
#include "runtime/base/crypto/sodium_init.hpp"
#include "runtime/base/logging/log.hpp"
#include "runtime/base/protocol/inspect.hpp"
#include "runtime/base/protocol/interfaces/coordinator_interface.hpp"
#include "runtime/cli/command.hpp"
#include "runtime/cli/input_file.hpp"
#include "runtime/cli/sim_serve.hpp"
#include "runtime/cli/sim_virtual.hpp"
#include "runtime/cli/stop_signals.hpp"
#include "runtime/node/node.hpp"

namespace seedgrid::cli {
namespace {

namespace fs = std::filesystem;

struct SimOptions {
  int workers = 3;
  int f16_workers = 1;  // the last ones store fp16: a second determinism class, audited across
  int validators = 1;
  std::uint32_t count = 4;  // images per prompt
  std::uint32_t steps = 20;
  std::uint32_t size = 64;
  float guidance = 5.0f;
  std::vector<std::string> prompts = {
      "a large red circle in the centre on a blue background",
      "two small yellow triangles in the top left and bottom right on a black background",
      "a medium green square at the top on a white background",
      "a large purple ring in the bottom left on a left orange and right cyan background"};
  std::string model = "shapes";  // "shapes", "tiny", or a model folder
  std::uint64_t seed = 1;
  double audit_rate = 0.25;
  std::string out;
  std::string data = "seedgrid-sim";
  std::string log_level = "warn";
  std::string serve;  // HOST:PORT: keep serving the network behind the HTTP gateway
  bool serve_anonymous = false;
  std::uint32_t serve_rate = 50;  // requests a second per API key
  std::uint32_t serve_threads = 1;
  std::string virtual_scenario;  // --virtual: the deterministic simulator instead (sim_virtual.hpp)
  std::uint32_t coordinators = 1;  // --coordinators, with --virtual
  std::string tasks_dir;  // task scripts to register; empty: the repository's models/tasks if found
};

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Where a folder of the repository is: under the working directory (deployments/local/run.sh runs
// from the repository root), beside the binary's build folder (build/seedgrid), or in the checkout
// the binary was built from (a build folder outside it).
std::vector<fs::path> repository_places(const fs::path& relative) {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  std::vector<fs::path> candidates{fs::current_path(ec) / relative};
  if (!exe.empty()) candidates.push_back(exe.parent_path().parent_path() / relative);
#ifdef SEEDGRID_SOURCE_DIR
  candidates.push_back(fs::path(SEEDGRID_SOURCE_DIR) / relative);
#endif
  return candidates;
}

// The repository's trained shapes model.
Result<fs::path> find_shapes_model() {
  const fs::path relative = fs::path("models") / "zoo" / "shapes" / "model";
  const auto candidates = repository_places(relative);
  for (const auto& c : candidates)
    if (fs::exists(c / "model_index.json")) return c;
  return fail("the shapes model (", relative.string(), ") is neither under ",
              candidates[0].parent_path().string(),
              " nor beside the seedgrid binary nor in the checkout it was built from; run from the "
              "repository root, or pass --model tiny or --model DIR");
}

// The shipped task scripts (models/tasks); none is no error (the network then serves txt2img
// alone).
std::optional<fs::path> find_tasks_dir() {
  for (const auto& c : repository_places(fs::path("models") / "tasks"))
    if (fs::exists(c / "img2img.lua")) return c;
  return std::nullopt;
}

// Every .lua file of `dir` but txt2img.lua (the built-in txt2img, which it renders byte for byte),
// by file name: img2img, inpaint, outpaint, hires_fix, variation.
Result<std::vector<config::TaskTypeSource>> task_types_in(const fs::path& dir) {
  std::error_code ec;
  std::vector<config::TaskTypeSource> out;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.path().extension() == ".lua" && entry.path().stem() != "txt2img")
      out.push_back({entry.path().stem().string(), entry.path().string()});
  if (ec) return fail("--tasks-dir ", dir.string(), ": ", ec.message());
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

Result<void> copy_model(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::create_directories(to.parent_path(), ec);
  const fs::path partial = to.string() + ".partial";
  fs::remove_all(partial, ec);
  fs::copy(from, partial, fs::copy_options::recursive, ec);
  if (ec) return fail("cannot copy ", from.string(), " to ", partial.string(), ": ", ec.message());
  fs::rename(partial, to, ec);
  if (ec) return fail("cannot rename ", partial.string(), " to ", to.string(), ": ", ec.message());
  return {};
}

// Whether every file under `from` is under `to` with the same bytes.
bool same_files(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  for (const auto& entry : fs::recursive_directory_iterator(from, ec)) {
    if (!entry.is_regular_file()) continue;
    const fs::path other = to / fs::relative(entry.path(), from, ec);
    if (fs::file_size(entry.path(), ec) != fs::file_size(other, ec) || ec) return false;
    std::ifstream a(entry.path(), std::ios::binary), b(other, std::ios::binary);
    if (!std::equal(std::istreambuf_iterator<char>(a), std::istreambuf_iterator<char>(),
                    std::istreambuf_iterator<char>(b)))
      return false;
  }
  return !ec;
}

// The model under DATA (so DATA holds everything an audit needs), made or copied once: the tiny
// preset as DATA/model-tiny, the shapes model as DATA/model-shapes. A folder is used in place.
Result<std::string> ensure_model(const fs::path& data, const std::string& model) {
  if (model != "tiny" && model != "shapes") {
    if (!fs::exists(fs::path(model) / "model_index.json") && !fs::exists(model))
      return fail("--model ", model, " is neither tiny, shapes nor an existing model folder");
    return fs::absolute(model).string();
  }
  const fs::path dir = data / ("model-" + model);
  if (fs::exists(dir / "model_index.json")) {
    // A copy of an earlier version of the repository's shapes model (retrained since) is set aside,
    // not used: its receipts stay auditable from it (audit --models-dir DATA finds it by id).
    if (model == "shapes")
      if (auto from = find_shapes_model(); from && !same_files(*from, dir)) {
        const fs::path aside = data / ("model-shapes-replaced-" + std::to_string(unix_now()));
        std::error_code ec;
        fs::rename(dir, aside, ec);
        if (ec) return fail("cannot move ", dir.string(), " aside: ", ec.message());
        std::printf("the repository's shapes model changed: the earlier copy is now %s\n",
                    aside.string().c_str());
      }
    if (fs::exists(dir / "model_index.json")) return dir.string();
  }
  if (model == "shapes") {
    auto from = find_shapes_model();
    if (!from) return pass_on(from);
    std::printf("copying the shapes model from %s to %s\n", from->string().c_str(),
                dir.string().c_str());
    if (auto ok = copy_model(*from, dir); !ok) return pass_on(ok);
    return dir.string();
  }
  std::printf("creating the tiny test model in %s\n", dir.string().c_str());
  PresetWriteOptions o;
  o.preset = "tiny";
  o.seed = 1;
  o.out_dir = dir.string();
  auto report = write_preset(o);
  if (!report) return context(report.error(), "creating the tiny model");
  return dir.string();
}

// Credits for the client and, on first run, tokens for the workers to stake (an epoch reward),
// so a failed audit has a stake to slash.
Result<void> fund(const fs::path& ledger_path, const Identity& treasury_key,
                  const treasury::TreasuryConfig& economics, const Identity& client,
                  const std::vector<std::shared_ptr<const Identity>>& workers) {
  auto ledger = treasury::Ledger::open(ledger_path.string(), treasury_key, economics);
  if (!ledger) return pass_on(ledger);
  const std::string payer = "user:" + client.node_id();
  const std::int64_t now = unix_now();
  auto balance = ledger->balance(payer, treasury::Asset::credits);
  if (balance && *balance < 50 * treasury::kMicrosPerUnit) {
    auto d = ledger->apply(treasury::Deposit{"sim/deposit/" + std::to_string(now), now, payer,
                                             100 * treasury::kMicrosPerUnit});
    if (!d) return context(d.error(), "depositing the sim client's credits");
  }
  auto epoch = ledger->last_epoch();
  if (epoch && *epoch < 0) {
    treasury::CloseEpoch close{"sim/genesis", now, 0, {}, {}};
    for (const auto& w : workers) close.workers.push_back({"worker:" + w->node_id(), 1'000, 3'600});
    if (auto c = ledger->apply(close); !c) return context(c.error(), "minting the workers' tokens");
    for (const auto& w : workers) {
      const std::string account = "worker:" + w->node_id();
      auto tokens = ledger->balance(account, treasury::Asset::tokens);
      if (tokens && *tokens > 0)
        if (auto s =
                ledger->apply(treasury::Stake{"sim/stake/" + w->node_id(), now, account, *tokens});
            !s)
          return context(s.error(), "staking ", account);
    }
  }
  return {};
}

// The embedded network's nodes register within seconds; a minute means something is wrong.
constexpr std::chrono::seconds kNodesRegisterWithin{60};
// One status read of the in-process coordinator, polled until the nodes are up.
constexpr std::chrono::seconds kStatusPollAnswer{5};

// Waits until the coordinator lists every worker and validator as connected.
bool wait_for_nodes(caf::actor_system& system, const caf::actor& coordinator, std::size_t expected,
                    std::chrono::seconds timeout) {
  caf::scoped_actor self{system};
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    std::size_t up = 0;
    self->request(caf::actor_cast<protocol::coordinator_actor>(coordinator), kStatusPollAnswer,
                  protocol::status_atom::value)
        .receive(
            [&](const protocol::StatusReport& r) {
              for (const auto& n : r.nodes) up += n.connected;
            },
            [](caf::error&) {});
    if (up >= expected) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

int run_sim(const SimOptions& opts) {
  if (opts.workers < 1 || opts.validators < 0) {
    std::fprintf(stderr,
                 "seedgrid sim: --workers must be at least 1 and --validators at least 0, "
                 "found %d and %d\n",
                 opts.workers, opts.validators);
    return 2;
  }
  if (opts.f16_workers < 0 || opts.f16_workers > opts.workers) {
    std::fprintf(stderr, "seedgrid sim: --f16-workers must be in [0, %d] (the workers), found %d\n",
                 opts.workers, opts.f16_workers);
    return 2;
  }
  if (!opts.serve.empty()) {
    if (auto address = parse_serve_address(opts.serve); !address) {
      std::fprintf(stderr, "seedgrid sim: --serve %s\n", address.error().message.c_str());
      return 2;
    }
    block_stop_signals();  // Ctrl-C then stops the served network cleanly (serve_sim_gateway)
  }
  const auto started = std::chrono::steady_clock::now();
  const fs::path data = fs::absolute(opts.data);
  const std::string out = opts.out.empty() ? (data / "out").string() : opts.out;
  std::error_code ec;
  fs::create_directories(out, ec);
  if (auto r = logging::configure(opts.log_level, ""); !r) {
    std::fprintf(stderr, "seedgrid sim: %s\n", r.error().message.c_str());
    return 2;
  }
  if (opts.prompts.empty()) {
    std::fprintf(stderr, "seedgrid sim: give at least one --prompt\n");
    return 2;
  }
  if (opts.model != "tiny" && opts.model != "shapes")
    if (auto ok = check_input("--model", opts.model, true); !ok) {
      std::fprintf(stderr, "seedgrid sim: %s (or --model tiny or shapes)\n",
                   ok.error().message.c_str());
      return kUsageError;
    }
  auto model = ensure_model(data, opts.model);
  if (!model) {
    std::fprintf(stderr, "seedgrid sim: %s\n", model.error().message.c_str());
    return 1;
  }

  node::NodePlan plan;
  plan.configure_logging = false;
  auto& c = plan.config;
  c.roles = {"coordinator", "treasury"};
  c.node.name = "sim";
  c.node.key_file = (data / "keys/coordinator.key").string();
  c.node.data_dir = (data / "coordinator").string();
  c.coordinator.emplace();
  c.coordinator->listen = {"127.0.0.1", 0};
  const std::string model_name = opts.model == "tiny" || opts.model == "shapes"
                                     ? opts.model
                                     : fs::path(*model).filename().string();
  c.coordinator->models.push_back(
      {"", *model, model_name, "creator:" + model_name + "-model", 43'200});
  c.coordinator->audit.rate = opts.audit_rate;
  // The shipped task scripts, so the studio and the APIs serve img2img, inpaint and the rest.
  const std::optional<fs::path> tasks =
      opts.tasks_dir.empty() ? find_tasks_dir() : std::optional<fs::path>(opts.tasks_dir);
  if (tasks && opts.tasks_dir != "none") {
    auto types = task_types_in(*tasks);
    if (!types) {
      std::fprintf(stderr, "seedgrid sim: %s\n", types.error().message.c_str());
      return 1;
    }
    c.coordinator->task_types = std::move(*types);
  }
  c.treasury.emplace();
  c.treasury->database = (data / "treasury/ledger.sqlite").string();
  c.treasury->economics.push_back({"min_stake_fast", 0});
  std::vector<std::shared_ptr<const Identity>> worker_keys;
  for (int i = 0; i < opts.workers; ++i) {
    config::WorkerSection w;
    w.key_file = (data / ("keys/worker-" + std::to_string(i) + ".key")).string();
    w.rendering.models.push_back({*model, ""});
    w.rendering.threads = 1;
    if (i >= opts.workers - opts.f16_workers) w.rendering.precision = "f16";
    w.max_batch = 4;
    w.max_inflight = 4;
    auto key = Identity::load_or_create(w.key_file);
    if (!key) {
      std::fprintf(stderr, "seedgrid sim: %s\n", key.error().message.c_str());
      return 1;
    }
    worker_keys.push_back(std::make_shared<const Identity>(*key));
    plan.extra_workers.push_back(std::move(w));
  }
  for (int i = 0; i < opts.validators; ++i) {
    config::ValidatorSection v;
    v.key_file = (data / ("keys/validator-" + std::to_string(i) + ".key")).string();
    v.rendering.models.push_back({*model, ""});
    v.rendering.threads = 1;
    plan.extra_validators.push_back(std::move(v));
  }
  auto coordinator_key = Identity::load_or_create(c.node.key_file);
  auto client_key = Identity::load_or_create((data / "keys/client.key").string());
  if (!coordinator_key || !client_key) {
    std::fprintf(stderr, "seedgrid sim: cannot create keys under %s\n", data.string().c_str());
    return 1;
  }
  auto economics = treasury::treasury_config_of(*c.treasury);
  fs::create_directories(data / "treasury", ec);
  if (!economics) {
    std::fprintf(stderr, "seedgrid sim: %s\n", economics.error().message.c_str());
    return 1;
  }
  if (auto f = fund(c.treasury->database, *coordinator_key, *economics, *client_key, worker_keys);
      !f) {
    std::fprintf(stderr, "seedgrid sim: %s\n", f.error().message.c_str());
    return 1;
  }

  std::printf(
      "starting coordinator, treasury, %d worker(s) (%d storing fp32, %d fp16) and %d fp32 "
      "validator(s) in this process\n",
      opts.workers, opts.workers - opts.f16_workers, opts.f16_workers, opts.validators);
  if (!c.coordinator->task_types.empty()) {
    std::string names;
    for (const auto& t : c.coordinator->task_types) names += (names.empty() ? "" : ", ") + t.name;
    std::printf("task types by script: %s (txt2img built in)\n", names.c_str());
  }
  auto node = node::Node::start(std::move(plan));
  if (!node) {
    std::fprintf(stderr, "seedgrid sim: %s\n", node.error().message.c_str());
    return 1;
  }
  // Handed on as a remote link would hand it (untyped): the status wait, the client sessions and
  // the gateway take handles that way, and cast where they send.
  const caf::actor coordinator = caf::actor_cast<caf::actor>(*(*node)->coordinator());
  if (!wait_for_nodes((*node)->system(), coordinator,
                      static_cast<std::size_t>(opts.workers + opts.validators),
                      kNodesRegisterWithin)) {
    std::fprintf(stderr, "seedgrid sim: the workers did not register within %lld s\n",
                 static_cast<long long>(kNodesRegisterWithin.count()));
    return 1;
  }

  std::string model_id;
  {
    auto checkpoint_id = load_checkpoint(*model);
    if (!checkpoint_id) {
      std::fprintf(stderr, "seedgrid sim: %s\n", checkpoint_id.error().message.c_str());
      return 1;
    }
    model_id = checkpoint_id->model_id;
  }
  // One request per prompt (a request has one prompt), one after the other.
  bool all_ok = true, all_delivered = true;
  for (std::size_t p = 0; p < opts.prompts.size(); ++p) {
    protocol::GenerateRequest request;
    {
      std::uint8_t nonce[4];
      ensure_sodium();
      randombytes_buf(nonce, sizeof nonce);
      request.request_id = "sim-" + std::to_string(unix_now()) + "-" + to_hex(nonce);
    }
    request.model_id = model_id;
    request.prompt = opts.prompts[p];
    request.seed = opts.seed + p * opts.count;
    request.steps = opts.steps;
    request.guidance = opts.guidance;
    request.width = opts.size;
    request.height = opts.size;
    request.count = opts.count;
    protocol::sign_request(request, *client_key);
    std::printf("request %s: \"%s\", %u image(s) of %ux%u, %u steps, audit rate %.2f\n",
                request.request_id.c_str(), request.prompt.c_str(), request.count, request.width,
                request.height, request.steps, opts.audit_rate);

    client::RequestReport report(request, model_name, out, stdout);
    client::SessionCallbacks callbacks;
    callbacks.on_ack = [&](const protocol::SubmitAck& ack) { report.on_ack(ack); };
    callbacks.on_event = [&](const protocol::ClientEvent& e) { report.on_event(e); };
    std::optional<client::SessionOutcome> outcome;
    {
      client::GenerateSession session((*node)->system(), &coordinator, {}, c.network, request,
                                      std::make_shared<const Identity>(*client_key), callbacks);
      outcome = session.wait(std::chrono::minutes(10));
    }
    if (!outcome) {
      std::fprintf(stderr, "seedgrid sim: request %s did not complete within 10 minutes\n",
                   request.request_id.c_str());
      return 1;
    }
    report.finish(*outcome);
    all_ok = all_ok && outcome->reply.ok() && !report.write_error();
    all_delivered = all_delivered && outcome->completed.delivered == request.count;
  }
  if (!opts.serve.empty()) {
    std::fflush(stdout);
    const int served =
        serve_sim_gateway({opts.serve, data, (data / "treasury/ledger.sqlite").string(),
                           opts.serve_anonymous, opts.serve_rate, opts.serve_threads},
                          (*node)->system(), coordinator, *client_key);
    (*node)->stop();
    return served;
  }
  (*node)->stop();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("images in %s; network state in %s (%.1f s)\n", out.c_str(), data.string().c_str(),
              seconds);
  if (!all_ok) return 1;
  return all_delivered ? 0 : 3;
}

const CommandRegistration sim_command{
    "sim",
    "Run a whole network in this process (coordinator, treasury, workers, validator) on the "
    "trained shapes model and render one request per prompt",
    [](CLI::App& app) -> CommandRun {
      set_example(app, "seedgrid sim --workers 3 --validators 1 --count 8 --data /tmp/sim");
      auto opts = std::make_shared<SimOptions>();
      app.add_option("--workers", opts->workers, "CPU workers");
      app.add_option("--f16-workers", opts->f16_workers,
                     "How many of the workers store fp16 (a second determinism class, which the "
                     "fp32 validator audits within calibrated tolerances)")
          ->capture_default_str();
      app.add_option("--validators", opts->validators, "Validators");
      // A default coordinator's limits (config RequestLimits): refused here, before the network
      // starts, rather than by it.
      app.add_option("--count", opts->count, "Images per prompt (1-512)")
          ->capture_default_str()
          ->check(CLI::Range(1, 512));
      app.add_option("--steps", opts->steps, "Sampler steps (1-150)")
          ->capture_default_str()
          ->check(CLI::Range(1, 150));
      app.add_option("--size", opts->size, "Image width and height (multiple of 8)");
      app.add_option("--prompt", opts->prompts,
                     "Prompt, one request each (repeat for several; default: four shapes prompts)");
      app.add_option("--guidance", opts->guidance, "Classifier-free guidance scale")
          ->capture_default_str();
      app.add_option("--model", opts->model,
                     "shapes (the trained model in models/zoo/shapes), tiny (the random-weight "
                     "preset) or a model folder")
          ->capture_default_str();
      auto* seed = app.add_option(
          "--seed", opts->seed,
          "Seed of image 0; with --virtual, the simulation's seed (default: the scenario's)");
      app.add_option("--audit-rate", opts->audit_rate,
                     "Share of results re-rendered by a validator, from 0 to 1")
          ->check(CLI::Range(0.0, 1.0));
      app.add_option("--out", opts->out, "Directory for the PNG files (default DATA/out)");
      app.add_option("--data", opts->data, "Directory for the model, keys, journal and ledger");
      app.add_option("--log-level", opts->log_level, "trace, debug, info, warn, error, off");
      app.add_option("--tasks-dir", opts->tasks_dir,
                     "Task scripts the coordinator registers, each by its file name (default: the "
                     "repository's models/tasks when found; none: txt2img alone)");
      app.add_option("--serve", opts->serve,
                     "After the request, serve the network behind the HTTP gateway (web studio, "
                     "AI Horde and /v1 APIs) on HOST:PORT until Ctrl-C");
      app.add_flag(
          "--serve-anonymous", opts->serve_anonymous,
          "With --serve: accept Horde's anonymous key 0000000000 (paid by the sim client)");
      app.add_option("--serve-rate", opts->serve_rate,
                     "With --serve: requests a second per API key before 429 (burst: twice that)");
      app.add_option("--serve-threads", opts->serve_threads,
                     "With --serve: the gateway's I/O threads (more serve more polling clients)")
          ->check(CLI::Range(1, 64));
      app.add_option("--virtual", opts->virtual_scenario,
                     "Run SCENARIO.json (deployments/scenarios/) in the deterministic simulator: "
                     "thousands of simulated workers around the real coordinator core and ledger "
                     "in virtual time; prints a summary");
      auto* coordinators =
          app.add_option("--coordinators", opts->coordinators,
                         "With --virtual: coordinators sharing the fleet and the treasury, each "
                         "owning a partition of the request ids (default: the scenario's)")
              ->check(CLI::Range(1, 64));
      return [opts, seed, coordinators] {
        if (!opts->virtual_scenario.empty())
          return run_virtual_sim(
              opts->virtual_scenario,
              seed->count() > 0 ? std::optional<std::uint64_t>(opts->seed) : std::nullopt,
              coordinators->count() > 0 ? std::optional<std::uint32_t>(opts->coordinators)
                                        : std::nullopt);
        return run_sim(*opts);
      };
    }};

}  // namespace
}  // namespace seedgrid::cli
