#pragma once
// The coordinator role as a CAF actor: a thin shell around CoordinatorCore. It binds each
// registered worker or validator's actor to its proven key, turns messages into core calls, and
// carries out the core's Outbox after the journal is committed: jobs, cancels and audits to nodes,
// events to the clients attached to each request, orders to the treasury (re-sent when the
// treasury does not answer), and the answers to submits that waited for their escrow hold.
#include <caf/fwd.hpp>

#include <cstdint>
#include <memory>

#include "actors/coordinator/coordinator_core.hpp"
#include "config/node_config.hpp"
#include "runtime/base/protocol/interfaces/coordinator_interface.hpp"
#include "runtime/base/protocol/interfaces/treasury_interface.hpp"

namespace seedgrid::coordinator {

// The core must have been opened with now_ms on the steady clock (milliseconds since its epoch):
// the actor keeps feeding it that clock.
struct CoordinatorSetup {
  std::shared_ptr<CoordinatorCore> core;
  Outbox recovered;  // what CoordinatorCore::open asked for while resuming the journal
  config::CoordinatorSection section;
  config::NetworkSection network;
  std::uint32_t tick_ms = 100;
  // Where the treasury's newest signed ledger head is kept
  // (actors/treasury/checkpoint_witness.hpp); empty: in memory only.
  std::string ledger_checkpoint_file;
};

// With `local_treasury` orders go to it; otherwise the actor keeps a remote link to
// section.treasury.
protocol::coordinator_actor spawn_coordinator(caf::actor_system& system, CoordinatorSetup setup,
                                              const protocol::treasury_actor* local_treasury);

}  // namespace seedgrid::coordinator
