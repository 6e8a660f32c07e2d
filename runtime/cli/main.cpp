#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstring>
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

// Every command's options show their defaults in --help; subcommands inherit this.
void show_defaults(CLI::App& app) { app.option_defaults()->always_capture_default(); }

// Usage errors exit 2, as for other Unix tools; CLI11's own codes (106, 109, 114...) said nothing
// to a script. --help and --version still exit 0.
int parse_error_exit(CLI::App& app, const CLI::ParseError& e) {
  const int printed = app.exit(e);
  return printed == 0 ? 0 : kUsageError;
}

// `seedgrid rendr`: CLI11 only said "A subcommand is required".
bool unknown_command(const char* word) {
  if (word[0] == '-') return false;
  if (registry().count(word) > 0) return false;
  std::fprintf(stderr, "seedgrid: unknown command '%s'. Commands:\n", word);
  for (const auto& [name, command] : registry())
    std::fprintf(stderr, "  %-10s %s\n", name.c_str(), command.description.c_str());
  std::fprintf(stderr, "Run 'seedgrid COMMAND --help' for a command's options.\n");
  return true;
}

}  // namespace

CommandRegistration::CommandRegistration(std::string name, std::string description,
                                         CommandSetup setup) {
  registry().emplace(std::move(name), Command{std::move(description), std::move(setup)});
}

void set_example(CLI::App& app, const std::string& example) {
  const std::string before = app.get_footer();
  app.footer((before.empty() ? "" : before + "\n\n") + "Example:\n  " + example);
}

}  // namespace seedgrid::cli

int main(int argc, char** argv) {
  using namespace seedgrid::cli;
  CLI::App app{"seedgrid: verifiable, decentralized image generation"};
  app.set_version_flag("--version", std::string("seedgrid ") + SEEDGRID_VERSION);
  app.require_subcommand(1);
  show_defaults(app);
  std::map<CLI::App*, CommandRun> runs;
  for (auto& [name, command] : registry()) {
    CLI::App* sub = app.add_subcommand(name, command.description);
    show_defaults(*sub);
    runs.emplace(sub, command.setup(*sub));
  }
  // After the subcommands, which would inherit it.
  set_example(app, "seedgrid render --model models/tiny --prompt \"a red fox\" --out fox.png");
  if (argc > 1 && unknown_command(argv[1])) return kUsageError;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return parse_error_exit(app, e);
  }
  for (auto& [sub, run] : runs) {
    if (sub->parsed()) return run();
  }
  return kUsageError;
}
