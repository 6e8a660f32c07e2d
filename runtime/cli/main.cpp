#include <CLI/CLI.hpp>

#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>

#include "runtime/base/image/image_heap.hpp"
#include "runtime/base/protocol/version.hpp"
#include "runtime/cli/command.hpp"
#include "runtime/cli/stop_signals.hpp"

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

// "ledger bogus": CLI11 would answer "A subcommand is required", as if none was given.
bool unknown_subcommand(CLI::App& app, const char* command, const char* word) {
  CLI::App* sub = app.get_subcommand(command);
  const auto listed = sub->get_subcommands([](const CLI::App*) { return true; });
  if (listed.empty() || word[0] == '-') return false;
  for (const CLI::App* s : listed)
    if (s->check_name(word)) return false;
  std::fprintf(stderr, "seedgrid %s: unknown subcommand '%s'. Subcommands:\n", command, word);
  for (const CLI::App* s : listed)
    std::fprintf(stderr, "  %-10s %s\n", s->get_name().c_str(), s->get_description().c_str());
  std::fprintf(stderr, "Run 'seedgrid %s SUBCOMMAND --help' for its options.\n", command);
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

namespace {

// SIGINT, SIGTERM and SIGHUP blocked before any shared library initialises: a library may start
// threads then, before main (OpenBLAS does, loaded through OpenCV's LAPACK when it is the system's
// BLAS), and the kernel hands a process's signal to any thread that does not block it, whose
// default action ends the process: `seedgrid generate`'s Ctrl-C would not cancel its request, a
// node's SIGTERM would skip its clean stop and its SIGHUP end it instead of reopening its log. The
// executable's preinit functions run before every library's initialiser; main unblocks the signals
// again in its own thread, so each command then takes them as it always did (sigwait in generate,
// sim --serve and node; a handler in render).
sigset_t stop_and_hangup_signals() {
  sigset_t signals = seedgrid::cli::stop_signals();
  sigaddset(&signals, SIGHUP);  // a node reopens its log file on it
  return signals;
}

void block_stop_signals_before_libraries(int, char**, char**) {
  const sigset_t signals = stop_and_hangup_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}
[[gnu::section(".preinit_array"), gnu::used]] void (*const block_stop_signals_at_load)(
    int, char**, char**) = &block_stop_signals_before_libraries;

void unblock_stop_signals() {
  const sigset_t signals = stop_and_hangup_signals();
  pthread_sigmask(SIG_UNBLOCK, &signals, nullptr);
}

}  // namespace

int main(int argc, char** argv) {
  unblock_stop_signals();
  seedgrid::keep_freed_images_in_the_heap();
  using namespace seedgrid::cli;
  CLI::App app{"seedgrid: verifiable, decentralized image generation"};
  app.set_version_flag("--version", seedgrid::protocol::release() + " (wire protocol " +
                                        std::to_string(seedgrid::protocol::kProtocol) + ")");
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
  if (argc > 2 && argv[1][0] != '-' && unknown_subcommand(app, argv[1], argv[2]))
    return kUsageError;
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
