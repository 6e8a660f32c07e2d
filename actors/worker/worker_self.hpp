#pragma once
// The worker actor's whole interface: what the coordinator sends it
// (runtime/base/protocol/interfaces/worker_interface.hpp) and what its own helpers send it: the
// render actor (progress, the rendered batch), the remote link (the coordinator's handle) and the
// coordinator session (registration retries). Include only from CAF .cpp files.
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/session/coordinator_session.hpp"
#include "actors/worker/render_actor.hpp"
#include "runtime/base/link/link_atoms.hpp"
#include "runtime/base/protocol/interfaces/worker_interface.hpp"

namespace seedgrid::worker {

using worker_self_actor =
    protocol::worker_actor::extend_with<render_owner_actor, session::session_messages>::extend<
        // The coordinator's handle (in-process, or from the remote link): cast to
        // protocol::coordinator_actor on arrival.
        caf::reacts_to<link::link_up_atom, caf::actor>>;

}  // namespace seedgrid::worker
