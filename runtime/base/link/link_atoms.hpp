#pragma once
// Messages of the link layer (local to a process, never serialized).
#include <caf/atom.hpp>

namespace seedgrid::link {

// (link_up, caf::actor): the remote actor a link reached (again).
using link_up_atom = caf::atom_constant<caf::atom("link_up")>;
using reconnect_atom = caf::atom_constant<caf::atom("reconnect")>;

}  // namespace seedgrid::link
