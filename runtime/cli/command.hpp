#pragma once
// Subcommands of `seedgrid` register themselves: each cmd_*.cpp holds one static
// CommandRegistration, so adding a subcommand touches no shared file.
//
//   static const seedgrid::cli::CommandRegistration render{
//       "render", "Render images from a model on this machine",
//       [](CLI::App& app) -> seedgrid::cli::CommandRun {
//         auto opts = std::make_shared<RenderOptions>();
//         app.add_option("--model", opts->model, "...")->required();
//         return [opts] { return run_render(*opts); };  // exit status
//       }};
#include <functional>
#include <string>

namespace CLI {
class App;
}

namespace seedgrid::cli {

using CommandRun = std::function<int()>;
using CommandSetup = std::function<CommandRun(CLI::App&)>;

struct CommandRegistration {
  CommandRegistration(std::string name, std::string description, CommandSetup setup);
};

// A command's --help ends with one example of its use (every command sets one).
void set_example(CLI::App& app, const std::string& example);

// The exit status of a usage error (a bad option or value, an input file or folder named on the
// command line that is missing or cannot be read: input_file.hpp), as for other Unix tools. A
// failure of the work itself exits 1.
inline constexpr int kUsageError = 2;

}  // namespace seedgrid::cli
