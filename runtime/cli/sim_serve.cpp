#include "runtime/cli/sim_serve.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <thread>

#include "config/node_config.hpp"
#include "runtime/cli/stop_signals.hpp"
#include "runtime/gateway/gateway.hpp"
#include "runtime/gateway/http_server.hpp"
#include "runtime/gateway/user_store.hpp"

#ifndef SEEDGRID_STUDIO_DIR
#define SEEDGRID_STUDIO_DIR ""
#endif

namespace seedgrid::cli {

Result<config::Endpoint> parse_serve_address(const std::string& text) {
  // Port 0 (any free port) is fine here: the studio line prints the real one.
  const bool any_port = text.size() > 2 && text.compare(text.size() - 2, 2, ":0") == 0;
  auto endpoint = config::parse_endpoint(any_port ? text.substr(0, text.size() - 1) + "1" : text);
  if (!endpoint) return endpoint;
  if (any_port) endpoint->port = 0;
  return endpoint;
}

int serve_sim_gateway(const SimServe& serve, caf::actor_system& system,
                      const caf::actor& coordinator, const Identity& client_key) {
  auto listen = parse_serve_address(serve.address);
  if (!listen) {
    std::fprintf(stderr, "seedgrid sim: --serve %s\n", listen.error().message.c_str());
    return 2;
  }
  // Signals are taken by sigwait below, not by a handler (run_sim blocked them before the
  // network's threads started).
  block_stop_signals();
  const sigset_t signals = stop_signals();

  config::GatewaySection section;
  section.listen = *listen;
  section.users_file = (serve.data / "gateway/users.json").string();
  section.static_dir = SEEDGRID_STUDIO_DIR;
  section.requests_per_second = std::max(1u, serve.requests_per_second);
  section.burst = 2 * section.requests_per_second;
  section.threads = std::max(1u, serve.threads);
  if (serve.anonymous) {
    section.anonymous = true;
    section.anonymous_key_file = (serve.data / "keys/client.key").string();
  }
  // The studio user pays from the sim client's funded account; a new API key each run (the file
  // keeps only hashes, so an old key cannot be shown again).
  auto user = gateway::issue_api_key(section.users_file, "studio", client_key);
  if (!user) {
    std::fprintf(stderr, "seedgrid sim: %s\n", user.error().message.c_str());
    return 1;
  }
  gateway::GatewayPlacement placement;
  placement.system = &system;
  placement.coordinator = &coordinator;
  placement.ledger_path = serve.ledger_path;
  placement.models_dir = serve.data.string();  // the tiny model is DATA/model-tiny
  auto gw = gateway::Gateway::start(section, placement);
  if (!gw) {
    std::fprintf(stderr, "seedgrid sim: %s\n", gw.error().message.c_str());
    return 1;
  }
  const std::string host = listen->host == "0.0.0.0" ? "127.0.0.1" : listen->host;
  const auto port = (*gw)->port();
  // One probe answers at once when the gateway is up; 300 tries 100 ms apart give it half a minute.
  constexpr std::chrono::seconds kReadyProbeTimeout{2};
  bool ready = false;
  for (int i = 0; i < 300 && !ready; ++i) {
    auto status = gateway::http_probe(host, port, "/readyz", kReadyProbeTimeout);
    ready = status && *status == 200;
    if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!ready) {
    std::fprintf(stderr, "seedgrid sim: the gateway on %s:%u did not become ready\n", host.c_str(),
                 port);
    return 1;
  }
  std::printf("studio: http://%s:%u/  api key: %s\n", host.c_str(), port, user->api_key.c_str());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&signals, &sig);
  std::printf("stopping the gateway and the network (signal %d)\n", sig);
  (*gw)->stop();
  return 0;
}

}  // namespace seedgrid::cli
