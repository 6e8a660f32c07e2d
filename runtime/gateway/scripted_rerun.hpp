#pragma once
// The gateway's re-audit (POST /v1/audit, the studio's button) of a scripted image: its task script
// and the images its job names are fetched from the coordinator by id (and checked against the
// ids, as a worker does), then the script runs again (verify::ReceiptCheckOptions::rerun_scripted).
// Blocking: called on the audit's own thread.
#include "config/node_config.hpp"
#include "runtime/base/verify/receipt_check.hpp"

namespace caf {
class actor;
class actor_system;
}  // namespace caf

namespace seedgrid::gateway {

// `coordinator`: an actor of this process, or null to connect to `endpoint`.
verify::ScriptedRerun scripted_rerun(caf::actor_system& system, const caf::actor* coordinator,
                                     config::Endpoint endpoint);

}  // namespace seedgrid::gateway
