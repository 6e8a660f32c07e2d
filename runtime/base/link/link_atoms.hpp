#pragma once
// Messages of the link layer (local to a process, never serialized).
#include <caf/atom.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

namespace seedgrid::link {

// (link_up, caf::actor): the remote actor a link reached (again).
using link_up_atom = caf::atom_constant<caf::atom("link_up")>;
using reconnect_atom = caf::atom_constant<caf::atom("reconnect")>;

// What the owner of a remote link accepts: the remote actor, untyped as it arrives from the
// network; the owner casts it to the peer's interface (runtime/base/protocol/interfaces/).
using link_owner_actor = caf::typed_actor<caf::reacts_to<link_up_atom, caf::actor>>;

}  // namespace seedgrid::link
