#pragma once
// What a worker accepts: everything comes from the coordinator it registered with (a message
// from anyone else is ignored or refused). Include only from CAF .cpp files.
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/base/protocol/atoms.hpp"
#include "runtime/base/protocol/audit.hpp"
#include "runtime/base/protocol/job.hpp"
#include "runtime/base/protocol/opening.hpp"

namespace seedgrid::protocol {

using worker_actor = caf::typed_actor<
    caf::reacts_to<job_atom, Job>,
    // The jobs one coordinator commit gave this worker, in one message: queued together, they
    // can share a render batch.
    caf::reacts_to<jobs_atom, std::vector<Job>>,
    // Job id, attempt: stop it (queued or in the running batch); a failure report follows.
    caf::reacts_to<cancel_atom, std::string, std::uint32_t>,
    // A failed verdict on one of this worker's results: it may appeal (coordinator_interface.hpp).
    caf::reacts_to<verdict_atom, Verdict>,
    // A validator's step audit, relayed by the coordinator: the signed openings of those steps.
    caf::replies_to<open_atom, OpeningRequest>::with<Opening>>;

}  // namespace seedgrid::protocol
