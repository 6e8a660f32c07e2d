#pragma once
// A client's side of one request: connect to the coordinator (remote, with back-off, or an actor
// in this process), submit the signed request, and pass each event on. When the link drops (the
// coordinator restarted) it reconnects and re-attaches with the indices it already has, so the
// results it missed are re-sent and each image reaches the caller exactly once.
// Event callbacks run on an actor thread, one at a time.
#include <caf/fwd.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "config/node_config.hpp"
#include "runtime/base/crypto/identity.hpp"
#include "runtime/base/protocol/client_event.hpp"
#include "runtime/base/protocol/request.hpp"
#include "runtime/base/protocol/status.hpp"

namespace seedgrid::client {

struct SessionOutcome;

struct SessionCallbacks {
  std::function<void(const protocol::SubmitAck&)> on_ack;
  // Every event; a result only once per job index.
  std::function<void(const protocol::ClientEvent&)> on_event;
  // Once, when the request completed or was refused (before wait() returns it).
  std::function<void(const SessionOutcome&)> on_finish;
};

struct SessionOutcome {
  protocol::Reply reply;  // not ok: refused (nothing was charged)
  protocol::SubmitAck ack;
  protocol::ClientEvent completed;      // the completed event, when reply is ok
  std::uint32_t duplicate_results = 0;  // results the coordinator sent again (not passed on)
};

class GenerateSession {
 public:
  // `coordinator`: an actor of this process, or null to link to `endpoint`.
  GenerateSession(caf::actor_system& system, const caf::actor* coordinator,
                  const config::Endpoint& endpoint, const config::NetworkSection& network,
                  protocol::GenerateRequest request, std::shared_ptr<const Identity> client,
                  SessionCallbacks callbacks);
  // Follows a request this client submitted earlier, knowing only its id (`seedgrid generate
  // --resume`): it attaches to `coordinator` (its key, from the status report) and learns the
  // request, as this client signed it, from the acknowledgement that on_ack receives. Every image
  // already delivered comes first, then the rest as the network finishes it.
  struct Resume {
    std::string request_id;
    PublicKey coordinator;
  };
  GenerateSession(caf::actor_system& system, const caf::actor* coordinator,
                  const config::Endpoint& endpoint, const config::NetworkSection& network,
                  Resume resume, std::shared_ptr<const Identity> client,
                  SessionCallbacks callbacks);
  ~GenerateSession();

  // Asks the coordinator to cancel the request (once it was accepted).
  void cancel();
  // Waits until the request completed or was refused; nothing when `timeout` passed first.
  std::optional<SessionOutcome> wait(std::chrono::milliseconds timeout);

  struct Shared;  // between the caller's thread and the session actor

 private:
  void start(caf::actor_system& system, const caf::actor* coordinator,
             const config::Endpoint& endpoint, const config::NetworkSection& network,
             protocol::GenerateRequest request, std::optional<PublicKey> resume_from,
             std::shared_ptr<const Identity> client, SessionCallbacks callbacks);
  std::shared_ptr<Shared> shared_;
};

// An actor system for a command-line client: CAF's middleman with seedgrid's heartbeats and
// message types.
class ClientSystem {
 public:
  // `identity`: the key this client presents in TLS (none: a fresh one, for a client that signs
  // nothing, e.g. a status probe).
  explicit ClientSystem(const config::NetworkSection& network = {},
                        std::shared_ptr<const Identity> identity = nullptr);
  ~ClientSystem();
  caf::actor_system& get() { return *system_; }

 private:
  std::unique_ptr<caf::actor_system_config> config_;
  std::unique_ptr<caf::actor_system> system_;
};

// Asks a coordinator for its status report (blocking, for the CLI).
// `coordinator_key`: the node id the coordinator must hold (its TLS certificate's key); empty:
// any. A pin stays for the system's later links to the same endpoint.
Result<protocol::StatusReport> fetch_status(caf::actor_system& system,
                                            const config::Endpoint& endpoint,
                                            std::chrono::milliseconds timeout,
                                            const std::string& coordinator_key = {});

}  // namespace seedgrid::client
