#pragma once
// The validator role as a CAF actor: registers like a worker (role validator), re-renders each
// audited job from its spec on its render actor, judges it (judge.hpp) and sends the coordinator
// a signed Verdict.
#include <caf/fwd.hpp>

#include <cstdint>
#include <memory>

#include "config/node_config.hpp"
#include "runtime/crypto/identity.hpp"

namespace seedgrid::worker {
class Renderer;
}

namespace seedgrid::validator {

struct ValidatorSetup {
  config::ValidatorSection section;
  config::NetworkSection network;
  std::shared_ptr<const Identity> identity;
  std::shared_ptr<const worker::Renderer> renderer;
  std::uint64_t pixel_steps_per_second = 0;
  std::string name;
};

caf::actor spawn_validator(caf::actor_system& system, ValidatorSetup setup,
                           const caf::actor* local_coordinator);

}  // namespace seedgrid::validator
