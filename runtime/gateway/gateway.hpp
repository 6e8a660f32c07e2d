#pragma once
// The gateway role: an HTTP server that turns AI Horde v2 calls (/api/v2), the native API (/v1),
// the web studio's files (/) and operations (/metrics, /healthz, /readyz) into signed requests to
// the coordinator and back. It is a client of the coordinator like `seedgrid generate`: each user's
// requests are signed with the key the gateway holds for that user, whose ledger account pays.
// HTTP stays here; the actors never see it.
#include <caf/fwd.hpp>

#include <cstdint>
#include <memory>
#include <string>

#include "config/node_config.hpp"
#include "models/result.hpp"

namespace seedgrid::gateway {

struct GatewayPlacement {
  caf::actor_system* system = nullptr;
  const caf::actor* coordinator = nullptr;  // this node's coordinator, or null: section.coordinator
  config::NetworkSection network;
  std::string ledger_path;  // the treasury's ledger when this node holds it: balances, history
  std::string models_dir;   // checkpoints for POST /v1/audit's noise and decode audits
};

class Gateway {
 public:
  static Result<std::unique_ptr<Gateway>> start(const config::GatewaySection& section,
                                                GatewayPlacement placement);
  ~Gateway();  // stop()

  std::uint16_t port() const;
  void stop();

  struct Parts;

 private:
  explicit Gateway(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace seedgrid::gateway
