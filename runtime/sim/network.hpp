#pragma once
// A whole network in virtual time: the real coordinator core (actors/coordinator) with its journal,
// result store and policies, the real treasury ledger behind the real order desk
// (actors/treasury), and simulated workers, validators, users and links around them
// (runtime/sim/README.md). Every message between nodes is an event in one queue ordered by
// (time, sequence); every chance comes from a stream seeded by the run's seed and its source, so
// a run is a function of its scenario and seed, and a failing seed replays to the same failure.
#include <cstdint>
#include <memory>
#include <string>

#include "models/result.hpp"
#include "runtime/sim/scenario.hpp"
#include "runtime/sim/summary.hpp"

namespace seedgrid::coordinator {
class CoordinatorCore;
}
namespace seedgrid::treasury {
class Ledger;
}

namespace seedgrid::sim {

struct NetworkState;

class SimulatedNetwork {
 public:
  // The coordinator's journal and results and the ledger live in `work_dir` (created; the caller
  // removes it). Users are funded and workers staked in the ledger before virtual time starts.
  static Result<std::unique_ptr<SimulatedNetwork>> create(const Scenario& scenario,
                                                          std::uint64_t seed,
                                                          const std::string& work_dir);
  ~SimulatedNetwork();

  // Runs the workload to its end, checking the invariants every scenario.check_every_events
  // events and at the end. An invariant that breaks stops the run: the error names it, the
  // seed and the virtual time.
  Result<Summary> run();
  // Checks the invariants on the state as it is now; `final` adds the end-of-run ones (every
  // request ended, every job final, every escrow hold released).
  Result<void> check_invariants(bool final) const;

  // Coordinator `c`'s core (scenario.coordinators of them; the first when there is one).
  coordinator::CoordinatorCore& core(std::size_t c = 0);
  treasury::Ledger& ledger();
  std::int64_t now_ms() const;

 private:
  explicit SimulatedNetwork(std::unique_ptr<NetworkState> state);
  std::unique_ptr<NetworkState> state_;
};

// A fresh folder for a run's files: under /dev/shm when it exists (SQLite's fsyncs cost nothing
// there, and nothing of a simulated run needs to survive the host), else the temp directory.
std::string fresh_work_dir(std::uint64_t seed);

}  // namespace seedgrid::sim
