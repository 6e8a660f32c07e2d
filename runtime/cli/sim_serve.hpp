#pragma once
// `seedgrid sim --serve HOST:PORT`: after its request, the embedded network keeps running behind
// the HTTP gateway (web studio, AI Horde and native APIs) until SIGINT or SIGTERM. Prints exactly
// one line, `studio: http://HOST:PORT/  api key: KEY`, once the gateway answers; scripts and tests
// read it.
#include <caf/fwd.hpp>

#include <filesystem>
#include <string>

#include "config/node_config.hpp"
#include "runtime/base/crypto/identity.hpp"

namespace seedgrid::cli {

struct SimServe {
  std::string address;  // HOST:PORT (port 0: any free port, printed)
  std::filesystem::path data;
  std::string ledger_path;
  bool anonymous = false;
  std::uint32_t requests_per_second = 50;
  std::uint32_t threads = 1;  // the gateway's I/O threads
};

// HOST:PORT as --serve takes it (port 0: any free port).
Result<config::Endpoint> parse_serve_address(const std::string& text);

// Blocks until a signal; the exit status.
int serve_sim_gateway(const SimServe& serve, caf::actor_system& system,
                      const caf::actor& coordinator, const Identity& client_key);

}  // namespace seedgrid::cli
