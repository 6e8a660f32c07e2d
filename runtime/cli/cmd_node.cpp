#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

#include "actors/treasury/treasury_config.hpp"
#include "config/node_config.hpp"
#include "runtime/cli/command.hpp"
#include "runtime/node/node.hpp"

namespace seedgrid::cli {
namespace {

struct NodeOptions {
  std::string config;
  std::string print_default;
  bool check = false;
};

// The treasury's economics with the ledger's own defaults, so the printed config lists every key.
void fill_economics(config::NodeConfig& c) {
  if (!c.treasury) return;
  const treasury::TreasuryConfig defaults;
  for (const auto& key : treasury::treasury_config_keys())
    c.treasury->economics.push_back({std::string(key.name), defaults.*key.field});
  std::vector<config::FeeTierValue> tiers;
  for (const auto& t : defaults.fee_tiers) tiers.push_back({t.stake_above_minimum, t.fee_ppm});
  c.treasury->fee_tiers = tiers;
}

int run_node(const NodeOptions& opts) {
  if (!opts.print_default.empty()) {
    auto c = config::default_config(opts.print_default);
    if (!c) {
      std::fprintf(stderr, "seedgrid node: %s\n", c.error().message.c_str());
      return 2;
    }
    fill_economics(*c);
    std::fputs(config::to_json_text(*c).c_str(), stdout);
    return 0;
  }
  if (opts.config.empty()) {
    std::fprintf(stderr, "seedgrid node: give --config FILE (or --print-default-config ROLE)\n");
    return 2;
  }
  auto c = config::load_node_config(opts.config);
  if (!c) {
    std::fprintf(stderr, "seedgrid node: %s\n", c.error().message.c_str());
    return 2;
  }
  if (opts.check) {
    if (auto checked = node::check_config(*c); !checked) {
      std::fprintf(stderr, "seedgrid node: %s: %s\n", opts.config.c_str(),
                   checked.error().message.c_str());
      return 2;
    }
    std::printf("%s: ok (roles:", opts.config.c_str());
    for (const auto& r : c->roles) std::printf(" %s", r.c_str());
    std::printf(")\n");
    return 0;
  }
  return node::run_until_signal(*c);
}

const CommandRegistration node_command{
    "node",
    "Run a node with the roles its config file lists (coordinator, treasury, worker, validator)",
    [](CLI::App& app) -> CommandRun {
      set_example(app,
                  "seedgrid node --print-default-config coordinator > coordinator.json && seedgrid "
                  "node --config coordinator.json");
      auto opts = std::make_shared<NodeOptions>();
      app.add_option("--config", opts->config, "Node config (JSON; see config/README.md)");
      app.add_option("--print-default-config", opts->print_default,
                     "Print a complete config for ROLE with every default, and exit");
      app.add_flag("--check", opts->check, "Validate the config and exit");
      return [opts] { return run_node(*opts); };
    }};

}  // namespace
}  // namespace seedgrid::cli
