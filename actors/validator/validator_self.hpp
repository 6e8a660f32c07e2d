#pragma once
// The validator actor's whole interface: what its coordinator sends it
// (runtime/base/protocol/interfaces/validator_interface.hpp) and what its own helpers send it: the
// remote link (the coordinator's handle) and the coordinator session (registration retries).
// Include only from CAF .cpp files.
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/session/coordinator_session.hpp"
#include "runtime/base/link/link_atoms.hpp"
#include "runtime/base/protocol/interfaces/validator_interface.hpp"

namespace seedgrid::validator {

using validator_self_actor =
    protocol::validator_actor::extend_with<session::session_messages>::extend<
        // The coordinator's handle (in-process, or from the remote link): cast to
        // protocol::coordinator_actor on arrival.
        caf::reacts_to<link::link_up_atom, caf::actor>>;

}  // namespace seedgrid::validator
