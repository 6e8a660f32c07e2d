#pragma once
// The worker role as a CAF actor: registers with its coordinator (coordinator_session.hpp),
// queues the jobs it is given, renders them in batches on its render actor (its own thread),
// streams progress, stops a batch within one step when one of its jobs is cancelled, and returns
// each image as a signed JobResult.
#include <caf/fwd.hpp>

#include <cstdint>
#include <memory>

#include "actors/worker/test_fault.hpp"
#include "runtime/base/protocol/interfaces/coordinator_interface.hpp"
#include "runtime/base/protocol/interfaces/worker_interface.hpp"
#include "config/node_config.hpp"
#include "runtime/base/crypto/identity.hpp"

namespace seedgrid::rendering {
class Renderer;
}  // namespace seedgrid::rendering

namespace seedgrid::worker {


struct WorkerSetup {
  config::WorkerSection section;
  config::NetworkSection network;
  std::shared_ptr<const Identity> identity;
  std::shared_ptr<const rendering::Renderer> renderer;
  std::uint64_t pixel_steps_per_second = 0;  // measured at start
  TestFault fault = TestFault::none;
  std::string name;  // for logs
};

// With `local_coordinator` (the coordinator of this process) the worker registers with it
// directly; otherwise it keeps a remote link to section.coordinator.
protocol::worker_actor spawn_worker(caf::actor_system& system, WorkerSetup setup,
                                    const protocol::coordinator_actor* local_coordinator);

}  // namespace seedgrid::worker
