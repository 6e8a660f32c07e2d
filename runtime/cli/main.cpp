#include <CLI/CLI.hpp>

#include <cstdio>
#include <map>
#include <memory>

#include "runtime/cli/command.hpp"

namespace seedgrid::cli {
namespace {

struct Command {
  std::string description;
  CommandSetup setup;
};

// Ordered by name so `seedgrid --help` lists subcommands the same way every time.
std::map<std::string, Command>& registry() {
  static std::map<std::string, Command> commands;
  return commands;
}

}  // namespace

CommandRegistration::CommandRegistration(std::string name, std::string description,
                                         CommandSetup setup) {
  registry().emplace(std::move(name), Command{std::move(description), std::move(setup)});
}

}  // namespace seedgrid::cli

int main(int argc, char** argv) {
  using namespace seedgrid::cli;
  CLI::App app{"seedgrid: verifiable, decentralized image generation"};
  app.require_subcommand(1);
  std::map<CLI::App*, CommandRun> runs;
  for (auto& [name, command] : registry()) {
    CLI::App* sub = app.add_subcommand(name, command.description);
    runs.emplace(sub, command.setup(*sub));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  for (auto& [sub, run] : runs) {
    if (sub->parsed()) return run();
  }
  return 2;
}
