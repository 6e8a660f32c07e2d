#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

#include "runtime/cli/command.hpp"
#include "runtime/base/crypto/identity.hpp"

namespace seedgrid::cli {
namespace {

struct KeygenOptions {
  std::string out;
  bool show = false;
};

int run_keygen(const KeygenOptions& opts) {
  if (opts.show) {
    auto id = Identity::load(opts.out);
    if (!id) {
      std::fprintf(stderr, "seedgrid keygen: %s\n", id.error().message.c_str());
      return 1;
    }
    std::printf("%s\n", id->node_id().c_str());
    return 0;
  }
  const Identity id = Identity::generate();
  if (auto saved = id.save(opts.out); !saved) {
    std::fprintf(stderr, "seedgrid keygen: %s\n", saved.error().message.c_str());
    return 1;
  }
  std::printf("wrote %s (mode 0600)\nnode id %s\n", opts.out.c_str(), id.node_id().c_str());
  return 0;
}

const CommandRegistration keygen{
    "keygen", "Create a node identity (Ed25519 key file, mode 0600) and print its node id",
    [](CLI::App& app) -> CommandRun {
      set_example(app, "seedgrid keygen --out keys/worker.key");
      auto opts = std::make_shared<KeygenOptions>();
      app.add_option("--out", opts->out, "Key file to create (never overwritten)")->required();
      app.add_flag("--show", opts->show, "Print the node id of an existing key file instead");
      return [opts] { return run_keygen(*opts); };
    }};

}  // namespace
}  // namespace seedgrid::cli
