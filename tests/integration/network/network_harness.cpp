#include "tests/integration/network/network_harness.hpp"

#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <caf/all.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "actors/rendering/renderer.hpp"
#include "actors/treasury/ledger.hpp"
#include "actors/treasury/settle_group.hpp"
#include "models/pipeline/render_limits.hpp"
#include "models/presets/write_preset.hpp"
#include "models/weights/checkpoint.hpp"
#include "runtime/base/logging/log.hpp"
#include "runtime/base/protocol/atoms.hpp"
#include "runtime/base/protocol/input_image.hpp"
#include "runtime/base/protocol/inspect.hpp"
#include "runtime/base/storage/database.hpp"
#include "runtime/base/task_script/job_params.hpp"
#include "runtime/base/task_script/task_run.hpp"
#include "runtime/base/task_script/task_script.hpp"
#include "tests/unit/storage/database_location.hpp"

namespace seedgrid::testing {

namespace fs = std::filesystem;

namespace {

fs::path fresh_dir(const std::string& name) {
  static std::mt19937_64 rng{std::random_device{}()};
  auto dir = fs::temp_directory_path() / ("seedgrid-" + name + "-" + std::to_string(rng()));
  fs::create_directories(dir);
  return dir;
}

struct TinyModel {
  fs::path dir;
  std::string path;
  std::string id;
  int size_multiple = 0;  // the coordinator names the model by id, so it declares this
  TinyModel() {
    dir = fresh_dir("tiny-model");
    PresetWriteOptions o;
    o.preset = "tiny";
    o.seed = 7;
    o.out_dir = (dir / "tiny").string();
    auto report = write_preset(o);
    if (!report) {
      std::fprintf(stderr, "cannot write the tiny preset: %s\n", report.error().message.c_str());
      std::abort();
    }
    path = report->checkpoint_path;
    id = report->model_id;
    auto checkpoint = load_checkpoint(path);
    if (!checkpoint) {
      std::fprintf(stderr, "cannot load the tiny preset: %s\n", checkpoint.error().message.c_str());
      std::abort();
    }
    size_multiple = render_limits_of(checkpoint->unet_config, checkpoint->vae_config).size_multiple;
  }
  ~TinyModel() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

const TinyModel& tiny() {
  static TinyModel model;
  return model;
}

Identity saved_identity(const fs::path& path) {
  auto id = Identity::load_or_create(path.string());
  if (!id) {
    std::fprintf(stderr, "%s\n", id.error().message.c_str());
    std::abort();
  }
  return *id;
}

std::string network_json(const NetworkOptions& o) {
  return "{\"heartbeat_interval_ms\": " + std::to_string(o.heartbeat_ms) +
         ", \"connection_timeout_ms\": " + std::to_string(o.connection_timeout_ms) +
         ", \"reconnect_initial_ms\": 100, \"reconnect_max_ms\": 1000" +
         (o.insecure ? std::string(", \"insecure\": true}") : std::string("}"));
}

// `"precision": "f16", ` for a node given one, else nothing (the device's default).
std::string precision_json(const std::map<int, std::string>& precisions, int index) {
  auto it = precisions.find(index);
  return it == precisions.end() ? std::string() : "\"precision\": \"" + it->second + "\", ";
}

}  // namespace

const std::string& tiny_model_path() { return tiny().path; }

const std::string& tiny_model_id() { return tiny().id; }

protocol::GenerateRequest scripted_request(const Network& net, const std::string& id,
                                           const std::string& task, std::uint32_t count,
                                           std::uint32_t steps, protocol::TaskParams params,
                                           std::vector<RgbImage> images) {
  auto r = net.request(id, count, steps);
  r.task_type = task;
  r.params = std::move(params);
  protocol::sort_task_params(r.params);
  r.images = std::move(images);
  protocol::sign_request(r, net.client());
  return r;
}

std::vector<std::uint8_t> reference_scripted_pixels(const std::string& script_path,
                                                    const protocol::GenerateRequest& request,
                                                    std::uint32_t index) {
  auto script = task_script::TaskScript::read_file(script_path);
  EXPECT_TRUE(script) << script.error().message;
  config::RenderingSection r;
  r.models.push_back({tiny_model_path(), ""});
  r.threads = 1;
  auto renderer = rendering::Renderer::load(r, false);
  EXPECT_TRUE(renderer) << renderer.error().message;
  if (!script || !renderer) return {};
  task_script::JobInputs inputs{.prompt = request.prompt,
                                .negative_prompt = request.negative_prompt,
                                .steps = request.steps,
                                .guidance = request.guidance,
                                .sampler = request.sampler,
                                .karras = request.karras,
                                .width = request.width,
                                .height = request.height,
                                .params = {},
                                .image = {}};
  for (const auto& p : request.params) inputs.params.push_back({p.name, p.value});
  inputs.image = [&request](const std::string& id) -> const RgbImage* {
    for (const auto& image : request.images)
      if (protocol::input_image_id(image) == id) return &image;
    return nullptr;
  };
  auto params = task_script::job_params(script->schema(), inputs);
  EXPECT_TRUE(params) << params.error().message;
  if (!params) return {};
  const auto spec = protocol::job_spec_of(request, index);
  auto out =
      task_script::run_task(*script, *(*renderer)->pipeline(spec.model_id), *params, spec.seed);
  EXPECT_TRUE(out) << out.error().message;
  return out ? out->images.at(0).pixels : std::vector<std::uint8_t>{};
}

std::vector<std::uint8_t> reference_pixels(const protocol::GenerateRequest& request,
                                           std::uint32_t index, const std::string& precision) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<rendering::Renderer>> renderers;  // by precision
  std::shared_ptr<rendering::Renderer> renderer;
  {
    std::lock_guard lock(mutex);
    auto& slot = renderers[precision];
    if (!slot) {
      config::RenderingSection r;
      r.models.push_back({tiny_model_path(), ""});
      r.precision = precision;
      r.threads = 1;
      auto loaded = rendering::Renderer::load(r, false);
      if (!loaded) {
        std::fprintf(stderr, "%s\n", loaded.error().message.c_str());
        std::abort();
      }
      slot = *loaded;
    }
    renderer = slot;
  }
  const protocol::JobSpec spec = protocol::job_spec_of(request, index);
  auto outcome = renderer->render(std::span<const protocol::JobSpec>(&spec, 1), {});
  if (!outcome.images.front()) return {};
  return outcome.images.front()->pixels;
}

std::optional<client::SessionOutcome> run_request(Network& net,
                                                  const protocol::GenerateRequest& request,
                                                  Collected& collected,
                                                  std::chrono::seconds timeout) {
  client::GenerateSession session(net.system(), nullptr, net.endpoint(), config::NetworkSection{},
                                  request, std::make_shared<const Identity>(net.client()),
                                  collected.callbacks());
  return session.wait(timeout);
}

std::size_t slashes_of(const std::vector<treasury::JournalEntry>& history,
                       const std::string& account) {
  std::size_t n = 0;
  for (const auto& e : history)
    for (const auto& p : e.postings)
      if (e.op == "slash" && p.account == "stake:" + account && p.amount < 0) ++n;
  return n;
}

void expect_slashed_and_spared(const Network& net, int cheater, int honest) {
  auto ledger = treasury::Ledger::open_read_only(net.ledger_path());
  ASSERT_TRUE(ledger) << ledger.error().message;
  auto history = ledger->history("", 100'000);
  ASSERT_TRUE(history) << history.error().message;
  EXPECT_GE(slashes_of(*history, "worker:" + net.worker_identity(cheater).node_id()), 1u);
  EXPECT_EQ(slashes_of(*history, "worker:" + net.worker_identity(honest).node_id()), 0u);
}

// Waits until `n` results arrived (false on timeout).
CommitsHeldInFlight::CommitsHeldInFlight(int milliseconds) {
  ::setenv("SEEDGRID_TEST_COMMIT_DELAY_MS", std::to_string(milliseconds).c_str(), 1);
}

CommitsHeldInFlight::~CommitsHeldInFlight() { ::unsetenv("SEEDGRID_TEST_COMMIT_DELAY_MS"); }

bool wait_for_results(Collected& got, std::size_t n, std::chrono::seconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (got.result_count() < n) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

// Every settlement, keyed by job id: each job must appear once.
std::map<std::string, int> settlements_by_job(const std::string& ledger_path) {
  std::map<std::string, int> by_job;
  auto ledger = treasury::Ledger::open_read_only(ledger_path);
  EXPECT_TRUE(ledger) << ledger.error().message;
  if (!ledger) return by_job;
  auto history = ledger->history("", 100'000);
  EXPECT_TRUE(history);
  for (const auto& e : *history)
    for (const auto& job : treasury::settled_jobs(e)) {
      // "settle/<request>/<index>/<attempt>" -> "<request>/<index>"
      const std::string rest = job.key.substr(std::string("settle/").size());
      ++by_job[rest.substr(0, rest.rfind('/'))];
    }
  auto conservation = ledger->conservation();
  EXPECT_TRUE(conservation);
  if (conservation) {
    for (const auto& c : *conservation) EXPECT_TRUE(c.holds_exactly());
  }
  return by_job;
}

void expect_each_job_settled_once(const std::string& ledger_path, const std::string& request,
                                  std::uint32_t count) {
  const auto by_job = settlements_by_job(ledger_path);
  for (std::uint32_t i = 0; i < count; ++i) {
    auto it = by_job.find(request + "/" + std::to_string(i));
    ASSERT_NE(it, by_job.end()) << "job " << i << " was never paid";
    EXPECT_EQ(it->second, 1) << "job " << i << " was paid " << it->second << " times";
  }
}

std::vector<treasury::JournalEntry> ledger_history(const Network& net) {
  // The treasury may be writing: a read that fails now is an empty history, read again later.
  auto ledger = treasury::Ledger::open_read_only(net.ledger_path());
  if (!ledger) return {};
  auto history = ledger->history("", 100'000);
  return history ? std::move(*history) : std::vector<treasury::JournalEntry>{};
}

std::vector<treasury::JournalEntry> settled_history(const Network& net,
                                                    std::chrono::milliseconds quiet,
                                                    std::chrono::seconds limit) {
  using Clock = std::chrono::steady_clock;
  const auto give_up = Clock::now() + limit;
  auto read = [&] { return ledger_history(net); };
  auto history = read();
  auto unchanged_since = Clock::now();
  while (Clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto now = read();
    if (now.size() != history.size()) {
      history = std::move(now);
      unchanged_since = Clock::now();
    } else if (Clock::now() - unchanged_since >= quiet) {
      return history;
    }
  }
  ADD_FAILURE() << "the ledger was still changing after " << limit.count() << " s";
  return history;
}

// --- Network ---

Network::Network(NetworkOptions options)
    : options_(std::move(options)),
      dir_(fresh_dir("net")),
      port_(free_port()),
      treasury_port_(free_port()),
      coordinator_key_(saved_identity(dir_ / "keys/coordinator.key")),
      treasury_key_(options_.separate_treasury ? saved_identity(dir_ / "keys/treasury.key")
                                               : coordinator_key_),
      client_(saved_identity(dir_ / "keys/client.key")) {
  ledger_location_ = test::database_location(
      (dir_ / (options_.separate_treasury ? "treasury" : "coordinator") / "ledger.sqlite").string(),
      "ledger");
  if (test::postgres_uri_file()) journal_location_ = test::database_location("", "journal");
  for (int i = 0; i < options_.workers; ++i)
    worker_keys_.push_back(saved_identity(dir_ / ("keys/worker-" + std::to_string(i) + ".key")));
  // Validators' node ids ascend with their index: the coordinator breaks ties between equally
  // idle validators by the smaller id, so "validator 0 is asked first" holds in every run instead
  // of in half of them (a test routing audits across classes depends on it).
  for (int i = 0; i < options_.validators; ++i) validator_keys_.push_back(Identity::generate());
  std::sort(validator_keys_.begin(), validator_keys_.end(),
            [](const Identity& a, const Identity& b) {
              return a.public_key().bytes < b.public_key().bytes;
            });
  for (int i = 0; i < options_.validators; ++i) {
    auto saved =
        validator_keys_[i].save((dir_ / ("keys/validator-" + std::to_string(i) + ".key")).string());
    if (!saved) {
      std::fprintf(stderr, "%s\n", saved.error().message.c_str());
      std::abort();
    }
  }
  (void)tiny_model_id();
  (void)logging::configure("warn", "");  // the link actors of this test process
  config::NetworkSection net;
  net.heartbeat_interval_ms = options_.heartbeat_ms;
  net.connection_timeout_ms = options_.connection_timeout_ms;
  net.reconnect_initial_ms = 100;
  net.reconnect_max_ms = 1'000;
  net.insecure = options_.insecure;
  client_system_ = std::make_unique<client::ClientSystem>(net, std::make_shared<const Identity>(client_));

  // The ledger before the treasury opens it: the client's credits, and stakes when asked.
  treasury::TreasuryConfig economics;
  economics.min_stake_fast = 0;
  if (storage::engine_of(ledger_path()) == storage::Engine::sqlite)
    fs::create_directories(fs::path(ledger_path()).parent_path());
  auto ledger = treasury::Ledger::open(ledger_path(), treasury_key_, economics);
  if (!ledger) {
    ADD_FAILURE() << ledger.error().message;
    return;
  }
  const std::int64_t now = 1'700'000'000;
  EXPECT_TRUE(ledger->apply(treasury::Deposit{"test/deposit", now, "user:" + client_.node_id(),
                                              10'000 * treasury::kMicrosPerUnit}));
  std::int64_t next_epoch = 0;  // the ledger closes epochs in order
  // A bond as a real validator gets one: tokens earned by a worker, moved to the validator, staked.
  for (int i : options_.bonded_validators) {
    const std::string earner = "worker:" + worker_keys_.at(0).node_id();
    const std::string account = "validator:" + validator_keys_.at(i).node_id();
    const treasury::Micros bond = options_.validator_min_stake_tokens * treasury::kMicrosPerUnit;
    auto earned = ledger->apply(treasury::CloseEpoch{"test/validator-epoch/" + std::to_string(i),
                                                     now, next_epoch++, {{earner, 1'000, 3'600}}, {}});
    EXPECT_TRUE(earned) << earned.error().message;
    auto moved = ledger->apply(treasury::Transfer{"test/validator-tokens/" + std::to_string(i), now,
                                                  treasury::Asset::tokens, earner, account, bond});
    EXPECT_TRUE(moved) << moved.error().message;
    auto bonded = ledger->apply(
        treasury::Stake{"test/validator-bond/" + std::to_string(i), now, account, bond});
    EXPECT_TRUE(bonded) << bonded.error().message;
  }
  if (options_.stake_workers) {
    treasury::CloseEpoch epoch{"test/epoch", now, next_epoch++, {}, {}};
    for (const auto& w : worker_keys_)
      epoch.workers.push_back({"worker:" + w.node_id(), 1'000, 3'600});
    EXPECT_TRUE(ledger->apply(epoch));
    for (const auto& w : worker_keys_) {
      const std::string account = "worker:" + w.node_id();
      auto tokens = ledger->balance(account, treasury::Asset::tokens);
      EXPECT_TRUE(tokens && *tokens > 0);
      EXPECT_TRUE(
          ledger->apply(treasury::Stake{"test/stake/" + w.node_id(), now, account, *tokens}));
    }
  }
}

Network::~Network() {
  if (::testing::Test::HasFailure()) dump_logs();
  stop();
  // SEEDGRID_KEEP_NETWORK_DIR=1 keeps the configs, logs and databases for a post-mortem.
  if (std::getenv("SEEDGRID_KEEP_NETWORK_DIR") != nullptr) {
    std::fprintf(stderr, "kept %s\n", dir_.c_str());
    return;
  }
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::string Network::ledger_path() const { return ledger_location_; }

std::string Network::write_config(const std::string& name, const std::string& json) const {
  const fs::path path = dir_ / (name + ".json");
  std::ofstream(path) << json;
  return path.string();
}

static std::string task_types_json(const NetworkOptions& o) {  // coordinator.task_types
  std::string out;
  for (const auto& [name, path] : o.task_types)
    out += (out.empty() ? "" : ", ") + ("{\"name\": \"" + name + "\", \"path\": \"" + path + "\"}");
  return out;
}
std::string Network::coordinator_config() const {
  const bool separate = options_.separate_treasury;
  std::string allowlist;
  for (int i = 0; i < options_.validators; ++i) {
    if (options_.unlisted_validators.contains(i)) continue;
    allowlist += (allowlist.empty() ? "\"" : ", \"") + validator_keys_[i].node_id() + "\"";
  }
  std::string json = R"({
  "roles": ["coordinator")" +
                     std::string(separate ? "" : R"(, "treasury")") + R"(],
  "node": {"name": "coordinator", "key_file": ")" +
                     (dir_ / "keys/coordinator.key").string() + R"(", "data_dir": ")" +
                     (dir_ / "coordinator").string() +
                     R"(", "log_level": "debug"},
  "network": )" + network_json(options_) +
                     R"(,
  "coordinator": {
    "listen": {"host": "127.0.0.1", "port": )" +
                     std::to_string(port_) + R"(},)" +
                     (journal_location_.empty() ? std::string()
                                                : R"(
    "journal": ")" + journal_location_ + R"(",)") + R"(
    "models": [{"id": ")" +
                     tiny_model_id() + R"(", "size_multiple": )" +
                     std::to_string(tiny().size_multiple) +
                     R"(, "name": "tiny", "creator": "creator:test"}],
    "task_types": [)" + task_types_json(options_) + R"(],
    "audit": {"rate": )" +
                     std::to_string(options_.audit_rate) + R"(, "blacklist_after": )" +
                     std::to_string(options_.blacklist_after) +
                     R"(, "timeout_ms": 60000, "new_worker_results": 0, "compute_saved": 0,
              "step_audits": )" + std::to_string(options_.step_audits) +
                     R"(, "full_rate": )" + std::to_string(options_.full_rate) +
                     R"(, "same_class_first": )" + (options_.same_class_first ? "true" : "false") +
                     R"(, "same_class_slack": )" + std::to_string(options_.same_class_slack) +
                     R"(, "appeals": )" + (options_.appeals ? "true" : "false") +
                     R"(, "appeal_window_ms": )" + std::to_string(options_.appeal_window_ms) + R"(},
    "deadlines": {"base_ms": 10000, "min_ms": 10000, "slack": 20},
    "validator_allowlist": [)" + allowlist + R"(],
    "validator_min_stake": )" + std::to_string(options_.validator_min_stake_tokens * treasury::kMicrosPerUnit);
  if (separate) {
    json += R"(,
    "treasury": {"host": "127.0.0.1", "port": )" +
            std::to_string(treasury_port_) + R"(},
    "treasury_key": ")" + treasury_key_.node_id() + R"("
  }
})";
  } else {
    json += R"(
  },
  "treasury": {"database": ")" +
            ledger_path() + R"(", "economics": {"min_stake_fast": 0}}
})";
  }
  return write_config("coordinator", json);
}

void Network::start_treasury() {
  const std::string json = R"({
  "roles": ["treasury"],
  "node": {"name": "treasury", "key_file": ")" +
                           (dir_ / "keys/treasury.key").string() + R"(", "data_dir": ")" +
                           (dir_ / "treasury").string() +
                           R"(", "log_level": "debug"},
  "network": )" + network_json(options_) +
                           R"(,
  "treasury": {"listen": {"host": "127.0.0.1", "port": )" +
                           std::to_string(treasury_port_) + R"(}, "database": ")" + ledger_path() +
                           R"(", "economics": {"min_stake_fast": 0}}
})";
  treasury_ = std::make_unique<Child>(
      std::vector<std::string>{SEEDGRID_BINARY, "node", "--config", write_config("treasury", json)},
      dir_ / "treasury.log");
}

void Network::start_coordinator() {
  coordinator_ = std::make_unique<Child>(
      std::vector<std::string>{SEEDGRID_BINARY, "node", "--config", coordinator_config()},
      dir_ / "coordinator.log");
}

void Network::start_worker(int i) {
  const std::string name = "worker-" + std::to_string(i);
  const std::string fault =
      options_.worker_faults.contains(i) ? options_.worker_faults.at(i) : std::string("none");
  const std::string precision = precision_json(options_.worker_precisions, i);
  const std::string json = R"({
  "roles": ["worker"],
  "node": {"name": ")" + name +
                           R"(", "key_file": ")" + (dir_ / "keys" / (name + ".key")).string() +
                           R"(", "log_level": "debug"},
  "network": )" + network_json(options_) +
                           R"(,
  "worker": {
    "coordinator": {"host": "127.0.0.1", "port": )" +
                           std::to_string(options_.worker_coordinator_port
                                              ? options_.worker_coordinator_port
                                              : port_) +
                           R"(},
    "coordinator_key": ")" + (options_.worker_pins_coordinator.empty()
                                   ? coordinator_key_.node_id()
                                   : options_.worker_pins_coordinator) +
                           R"(",
    "models": [{"path": ")" +
                           tiny_model_path() + R"("}],
    "threads": 1, )" + precision + R"("max_batch": )" +
                           std::to_string(options_.worker_max_batch) + R"(, "max_inflight": )" +
                           std::to_string(options_.worker_max_inflight) +
                           R"(,
    "appeal_failed_audits": )" + (options_.worker_appeals ? "true" : "false") +
                           R"(,
    "test_fault": ")" + fault +
                           R"("
  }
})";
  workers_[i] = std::make_unique<Child>(
      std::vector<std::string>{SEEDGRID_BINARY, "node", "--config", write_config(name, json)},
      dir_ / (name + ".log"));
}

void Network::start_validator(int i) {
  const std::string name = "validator-" + std::to_string(i);
  const std::string fault = options_.validator_faults.contains(i)
                                ? options_.validator_faults.at(i)
                                : std::string("none");
  const std::string precision = precision_json(options_.validator_precisions, i);
  const std::string json = R"({
  "roles": ["validator"],
  "node": {"name": ")" + name +
                           R"(", "key_file": ")" + (dir_ / "keys" / (name + ".key")).string() +
                           R"(", "data_dir": ")" + (dir_ / name).string() +
                           R"(", "log_level": "debug"},
  "network": )" + network_json(options_) +
                           R"(,
  "validator": {
    "coordinator": {"host": "127.0.0.1", "port": )" +
                           std::to_string(port_) + R"(},
    "coordinator_key": ")" + coordinator_key_.node_id() + R"(",
    "models": [{"path": ")" +
                           tiny_model_path() + R"("}],
    "threads": 1, )" + precision + R"("test_fault": ")" + fault + R"("
  }
})";
  validators_[i] = std::make_unique<Child>(
      std::vector<std::string>{SEEDGRID_BINARY, "node", "--config", write_config(name, json)},
      dir_ / (name + ".log"));
}

void Network::start() {
  if (options_.separate_treasury) start_treasury();
  start_coordinator();
  for (int i = 0; i < options_.workers; ++i) start_worker(i);
  for (int i = 0; i < options_.validators; ++i) start_validator(i);
  ASSERT_TRUE(wait_for_nodes(static_cast<std::size_t>(options_.workers + options_.validators),
                             std::chrono::seconds(60)))
      << "the network did not come up";
}

bool Network::wait_for_nodes(std::size_t nodes, std::chrono::seconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    auto report = client::fetch_status(system(), endpoint(), std::chrono::seconds(2));
    if (report) {
      // Ready as a client sees it: every node up, the treasury linked, and every worker's stake
      // checked (the harness's economics let any worker serve the fast tier).
      std::size_t up = 0;
      bool stakes_known = true;
      for (const auto& n : report->nodes) {
        up += n.connected;
        if (n.connected && n.role == protocol::Role::worker && !n.fast_tier) stakes_known = false;
      }
      if (up >= nodes && report->treasury_connected && stakes_known) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

protocol::GenerateRequest Network::request(const std::string& id, std::uint32_t count,
                                           std::uint32_t steps) const {
  protocol::GenerateRequest r;
  r.request_id = id;
  r.model_id = tiny_model_id();
  r.prompt = "a lighthouse on a cliff";
  r.negative_prompt = "blurry";
  r.seed = 1234;
  r.steps = steps;
  r.guidance = 5.0f;
  r.width = 64;
  r.height = 64;
  r.count = count;
  protocol::sign_request(r, client_);
  return r;
}

void Network::stop() {
  std::vector<Child*> all;
  for (auto& [i, c] : validators_) all.push_back(c.get());
  for (auto& [i, c] : workers_) all.push_back(c.get());
  if (coordinator_) all.push_back(coordinator_.get());
  if (treasury_) all.push_back(treasury_.get());
  for (Child* c : all) c->signal(SIGTERM);
  for (Child* c : all)
    if (!c->wait(std::chrono::seconds(15))) c->signal(SIGKILL);
  validators_.clear();
  workers_.clear();
  coordinator_.reset();
  treasury_.reset();
}

void Network::dump_logs() const {
  for (const auto& entry : fs::directory_iterator(dir_)) {
    if (entry.path().extension() != ".log") continue;
    std::ifstream in(entry.path());
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    std::fprintf(stderr, "----- %s (last %zu lines) -----\n", entry.path().filename().c_str(),
                 std::min<std::size_t>(lines.size(), 40));
    for (std::size_t i = lines.size() > 40 ? lines.size() - 40 : 0; i < lines.size(); ++i)
      std::fprintf(stderr, "%s\n", lines[i].c_str());
  }
}

// --- Collected ---

client::SessionCallbacks Collected::callbacks() {
  client::SessionCallbacks c;
  c.on_ack = [this](const protocol::SubmitAck& a) {
    std::lock_guard lock(mutex);
    ack = a;
  };
  c.on_event = [this](const protocol::ClientEvent& e) {
    std::lock_guard lock(mutex);
    if (e.kind == protocol::EventKind::progress) {
      ++progress;
      return;
    }
    events.push_back(e);
    received.push_back(std::chrono::steady_clock::now());
    if (e.kind == protocol::EventKind::result) results[e.index] = e;
    if (e.kind == protocol::EventKind::paid) payments[e.index] = e.receipt;
  };
  return c;
}

std::size_t Collected::result_count() {
  std::lock_guard lock(mutex);
  return results.size();
}

std::size_t Collected::retries(protocol::ErrorCode code) {
  std::lock_guard lock(mutex);
  return static_cast<std::size_t>(std::count_if(events.begin(), events.end(), [&](const auto& e) {
    return e.kind == protocol::EventKind::retry && e.code == code;
  }));
}

std::vector<verify::RecordedVerdict> recorded_verdicts(const Network& net, int index,
                                                       std::string_view job_prefix) {
  const auto file = net.dir() / ("validator-" + std::to_string(index)) / "verdicts.jsonl";
  auto record = verify::read_verdict_record(file.string());
  EXPECT_TRUE(record) << record.error().message;
  std::vector<verify::RecordedVerdict> out;
  if (record)
    for (auto& v : *record)
      if (v.job_id.starts_with(job_prefix)) out.push_back(std::move(v));
  return out;
}

}  // namespace seedgrid::testing
