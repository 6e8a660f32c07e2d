#pragma once
// A worker's or validator's standing with its coordinator: given a coordinator handle (from the
// remote link, or in-process), it monitors it, says hello, signs the challenge with the node key
// and registers; a refused or unanswered registration is retried with back-off; when the
// coordinator goes down (or restarts: the link hands over a new handle) it registers again.
// Shared by the worker and validator actors (CAF .cpp files only).
#include <caf/all.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "config/node_config.hpp"
#include "runtime/base/crypto/identity.hpp"
#include "runtime/base/link/backoff.hpp"
#include "runtime/base/protocol/registration.hpp"

namespace spdlog {
class logger;
}

namespace seedgrid::session {

using retry_register_atom = caf::atom_constant<caf::atom("reregister")>;

class CoordinatorSession {
 public:
  // `name`: the node's configured name, signed into its registration.
  CoordinatorSession(protocol::Role role, const Identity& identity, std::string name,
                     protocol::Capabilities capabilities, std::string pinned_coordinator,
                     const config::NetworkSection& network, std::shared_ptr<spdlog::logger> log);

  // A (new) coordinator handle: watch it and register. `on_registered` runs once registration
  // is accepted.
  void connect(caf::event_based_actor* self, caf::actor coordinator,
               std::function<void()> on_registered);
  // From the owner's down handler: true (and the session is reset) when `dm` is about the
  // coordinator.
  bool lost(const caf::down_msg& dm);
  // The handlers the owner adds to its behavior (registration retries).
  caf::message_handler handlers(caf::event_based_actor* self);

  bool registered() const { return registered_; }
  const caf::actor& coordinator() const { return coordinator_; }
  // Whether the message being handled came from the coordinator this session registered with.
  bool from_coordinator(caf::event_based_actor* self) const;
  const protocol::Capabilities& capabilities() const { return capabilities_; }
  bool fast_tier() const { return fast_tier_; }

 private:
  void register_now(caf::event_based_actor* self);
  void retry_later(caf::event_based_actor* self);

  protocol::Role role_;
  const Identity& identity_;
  std::string name_;
  protocol::Capabilities capabilities_;
  std::string pinned_;
  link::Backoff backoff_;
  std::shared_ptr<spdlog::logger> log_;
  caf::actor coordinator_;
  bool registered_ = false;
  bool fast_tier_ = false;
  std::uint64_t generation_ = 0;  // bumps with every new coordinator handle
  std::function<void()> on_registered_;
};

}  // namespace seedgrid::session
