#pragma once
// The treasury role as a CAF actor: it owns the ledger and answers the coordinator's quote,
// ledger, stake and checkpoint messages (runtime/base/protocol/interfaces/treasury_interface.hpp). Orders that arrive together are applied
// in one group commit (one fsync), up to batch_max at a time. It runs detached (its own thread):
// ledger writes wait for the disk and must not hold up the actor scheduler.
#include <caf/fwd.hpp>

#include <cstdint>
#include <memory>

#include "runtime/base/protocol/interfaces/treasury_interface.hpp"

namespace seedgrid::treasury {

class Ledger;

protocol::treasury_actor spawn_treasury_actor(caf::actor_system& system,
                                              std::shared_ptr<Ledger> ledger,
                                              std::uint32_t batch_max);

}  // namespace seedgrid::treasury
