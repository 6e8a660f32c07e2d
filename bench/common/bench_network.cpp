#include "bench/common/bench_network.hpp"

#include "actors/treasury/ledger.hpp"
#include "models/presets/write_preset.hpp"
#include "runtime/base/storage/database.hpp"

namespace seedgrid::bench {

namespace fs = std::filesystem;

Result<BenchModel> tiny_model(const fs::path& dir) {
  PresetWriteOptions o;
  o.preset = "tiny";
  o.seed = 1;
  o.out_dir = (dir / "tiny").string();
  auto report = write_preset(o);
  if (!report) return context(report.error(), "creating the tiny model");
  return BenchModel{report->checkpoint_path, report->model_id};
}

Stores stores_in(const fs::path& dir) { return {(dir / "data/ledger.sqlite").string(), ""}; }

Result<Stores> postgres_stores(const std::string& server_uri, const std::string& name) {
  auto server = storage::Database::open(server_uri);
  if (!server) return pass_on(server);
  Stores out;
  for (auto [location, schema] :
       {std::pair{&out.ledger, name + "_ledger"}, std::pair{&out.journal, name + "_journal"}}) {
    if (auto r =
            server->exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE; CREATE SCHEMA " + schema);
        !r)
      return pass_on(r);
    *location = server_uri + (server_uri.find('?') == std::string::npos ? "?" : "&") +
                "options=-csearch_path%3D" + schema;
  }
  return out;
}

Result<std::unique_ptr<node::Node>> funded_coordinator_node(
    const fs::path& dir, const BenchModel& model, const Identity& client, std::uint16_t port,
    const config::NetworkSection& network, const config::GatewaySection* gateway,
    const Stores& stores) {
  fs::create_directories(dir / "data");
  const std::string key_file = (dir / "coordinator.key").string();
  const std::string ledger_file = stores.ledger.empty() ? stores_in(dir).ledger : stores.ledger;
  auto key = Identity::load_or_create(key_file);
  if (!key) return pass_on(key);
  treasury::TreasuryConfig economics;
  economics.min_stake_fast = 0;
  {
    auto ledger = treasury::Ledger::open(ledger_file, *key, economics);
    if (!ledger) return pass_on(ledger);
    auto deposit = ledger->apply(treasury::Deposit{"bench", 1, "user:" + client.node_id(),
                                                   1'000'000 * treasury::kMicrosPerUnit});
    if (!deposit) return context(deposit.error(), "funding the client");
  }
  node::NodePlan plan;
  plan.configure_logging = false;
  auto& c = plan.config;
  c.roles = {"coordinator", "treasury"};
  c.network = network;
  c.node.key_file = key_file;
  c.node.data_dir = (dir / "data").string();
  c.coordinator.emplace();
  c.coordinator->listen = {"127.0.0.1", port};
  c.coordinator->journal = stores.journal;
  // The tiny preset renders multiples of 16.
  c.coordinator->models.push_back({model.id, "", "tiny", "", 43'200, 16});
  c.coordinator->benchmark_tasks = true;
  c.coordinator->audit.rate = 0.0;
  c.coordinator->routing.max_workers_per_request = 1024;
  c.treasury.emplace();
  c.treasury->database = ledger_file;
  c.treasury->economics = {{"min_stake_fast", 0}};
  if (gateway) {
    c.roles.push_back("gateway");
    c.gateway = *gateway;
  }
  auto node = node::Node::start(plan);
  if (!node) return context(node.error(), "starting the coordinator node");
  return node;
}

Result<std::unique_ptr<node::Node>> worker_node(const fs::path& key_file, const BenchModel& model,
                                                std::uint16_t port,
                                                const config::NetworkSection& network,
                                                std::uint32_t max_batch,
                                                std::uint32_t max_inflight) {
  node::NodePlan plan;
  plan.configure_logging = false;
  auto& w = plan.config;
  w.network = network;
  w.roles = {"worker"};
  w.node.key_file = key_file.string();
  w.worker.emplace();
  w.worker->coordinator = {"127.0.0.1", port};
  w.worker->rendering.models.push_back({model.path, ""});
  w.worker->rendering.threads = 1;
  w.worker->benchmark_tasks = true;
  if (max_batch != 0) w.worker->max_batch = max_batch;
  if (max_inflight != 0) w.worker->max_inflight = max_inflight;
  auto node = node::Node::start(plan);
  if (!node) return context(node.error(), "starting the worker node");
  return node;
}

}  // namespace seedgrid::bench
