// `seedgrid gateway add-user NAME`: the operator's side of the HTTP gateway's accounts. Creates
// the user's signing key (its ledger account pays for the user's requests) and prints an API key
// once; the users file keeps only its hash.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

#include "config/node_config.hpp"
#include "runtime/cli/command.hpp"
#include "runtime/gateway/user_store.hpp"

namespace seedgrid::cli {
namespace {

struct GatewayOptions {
  std::string name;
  std::string users;
  std::string config;
  bool new_key = false;
};

int run_add_user(const GatewayOptions& opts) {
  std::string users = opts.users;
  if (users.empty() && !opts.config.empty()) {
    auto config = config::load_node_config(opts.config);
    if (!config) {
      std::fprintf(stderr, "seedgrid gateway add-user: %s\n", config.error().message.c_str());
      return 2;
    }
    if (!config->gateway) {
      std::fprintf(stderr, "seedgrid gateway add-user: %s has no \"gateway\" section\n",
                   opts.config.c_str());
      return 2;
    }
    users = config->gateway->users_file;
  }
  if (users.empty()) {
    std::fprintf(stderr, "seedgrid gateway add-user: give --users FILE or --config NODE.json\n");
    return 2;
  }
  auto added =
      opts.new_key ? gateway::issue_api_key(users, opts.name) : gateway::add_user(users, opts.name);
  if (!added) {
    std::fprintf(stderr, "seedgrid gateway add-user: %s\n", added.error().message.c_str());
    return 1;
  }
  std::printf("user %s %s; its ledger account %s pays for its requests\n", opts.name.c_str(),
              opts.new_key ? "has a new API key" : "added", added->user.account().c_str());
  std::printf("api key: %s\n", added->api_key.c_str());
  std::printf("(shown once: %s keeps only its hash)\n", users.c_str());
  return 0;
}

const CommandRegistration gateway_command{
    "gateway", "Operate the HTTP gateway's accounts (add-user)", [](CLI::App& app) -> CommandRun {
      auto opts = std::make_shared<GatewayOptions>();
      app.require_subcommand(1);
      auto* add = app.add_subcommand(
          "add-user", "Create a user (signing key, ledger account) and print its API key once");
      add->add_option("NAME", opts->name, "User name: 1 to 32 of letters, digits, . _ -")
          ->required();
      add->add_option("--users", opts->users, "The gateway's users file (created mode 0600)");
      add->add_option("--config", opts->config, "A node config with a gateway section");
      add->add_flag("--new-key", opts->new_key,
                    "Give an existing user a new API key (the old one stops working)");
      return [opts] { return run_add_user(*opts); };
    }};

}  // namespace
}  // namespace seedgrid::cli
