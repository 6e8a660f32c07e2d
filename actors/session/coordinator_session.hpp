#pragma once
// A worker's or validator's standing with its coordinator: given a coordinator handle (from the
// remote link, or in-process), it monitors it, says hello, signs the challenge with the node key
// and registers; a refused or unanswered registration is retried with back-off; when the
// coordinator goes down (or restarts: the link hands over a new handle) it registers again.
// Shared by the worker and validator actors (CAF .cpp files only): `Owner` is the owner's whole
// typed interface (actors/worker/worker_self.hpp, actors/validator/validator_self.hpp), which
// includes `session_messages`; the two instantiations are compiled in coordinator_session.cpp.
#include <caf/all.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "config/node_config.hpp"
#include "runtime/base/crypto/identity.hpp"
#include "runtime/base/link/backoff.hpp"
#include "runtime/base/protocol/interfaces/coordinator_interface.hpp"
#include "runtime/base/protocol/registration.hpp"

namespace spdlog {
class logger;
}

namespace seedgrid::session {

using retry_register_atom = caf::atom_constant<caf::atom("reregister")>;

// What the session sends its owner: (reregister, generation) after a back-off.
using session_messages = caf::typed_actor<caf::reacts_to<retry_register_atom, std::uint64_t>>;

template <class Owner>
class CoordinatorSession {
 public:
  using Self = typename Owner::pointer;

  // `name`: the node's configured name, signed into its registration.
  CoordinatorSession(protocol::Role role, const Identity& identity, std::string name,
                     protocol::Capabilities capabilities, std::string pinned_coordinator,
                     const config::NetworkSection& network, std::shared_ptr<spdlog::logger> log);

  // A (new) coordinator handle: watch it and register. `on_registered` runs once registration
  // is accepted.
  void connect(Self self, protocol::coordinator_actor coordinator,
               std::function<void()> on_registered);
  // From the owner's down handler: true (and the session is reset) when `dm` is about the
  // coordinator.
  bool lost(const caf::down_msg& dm);
  // The owner's handler of (reregister, generation): registers again unless that try is stale.
  void retry(Self self, std::uint64_t generation);

  bool registered() const { return registered_; }
  const protocol::coordinator_actor& coordinator() const { return coordinator_; }
  // Whether the message being handled came from the coordinator this session registered with.
  bool from_coordinator(Self self) const;
  const protocol::Capabilities& capabilities() const { return capabilities_; }
  bool fast_tier() const { return fast_tier_; }

 private:
  void register_now(Self self);
  void retry_later(Self self);

  protocol::Role role_;
  const Identity& identity_;
  std::string name_;
  protocol::Capabilities capabilities_;
  std::string pinned_;
  link::Backoff backoff_;
  std::shared_ptr<spdlog::logger> log_;
  protocol::coordinator_actor coordinator_;
  bool registered_ = false;
  bool fast_tier_ = false;
  std::uint64_t generation_ = 0;  // bumps with every new coordinator handle
  std::function<void()> on_registered_;
};

}  // namespace seedgrid::session
