#pragma once
// What a client that submitted or attached to a request accepts: the coordinator pushes the
// request's events to it (progress, each result, retries, the end). The coordinator casts the
// sender of a submit or attach to this type. Include only from CAF .cpp files.
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <vector>

#include "runtime/base/protocol/atoms.hpp"
#include "runtime/base/protocol/client_event.hpp"

namespace seedgrid::protocol {

// Events of one coordinator commit come as one message when there are several (events_atom, in
// their order): a started, a progress and a result event per job were three messages per job.
using client_actor = caf::typed_actor<caf::reacts_to<event_atom, ClientEvent>,
                                      caf::reacts_to<events_atom, std::vector<ClientEvent>>>;

}  // namespace seedgrid::protocol
