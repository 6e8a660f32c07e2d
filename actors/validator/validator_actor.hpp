#pragma once
// The validator role as a CAF actor: registers like a worker (role validator), fetches the step
// openings an audit needs from the worker (through the coordinator, with its deadline), runs the
// audits on its own thread (audit_runner.hpp) and sends the coordinator a signed Verdict with the
// evidence. Audits of a coordinator session that ended (link lost, or a new coordinator handle)
// are dropped unjudged: the coordinator hands them out again. Test builds:
// `test_fault: "false_accuse"` fails every audit (appeal tests).
#include <caf/fwd.hpp>

#include <cstdint>
#include <memory>

#include "config/node_config.hpp"
#include "runtime/base/protocol/interfaces/coordinator_interface.hpp"
#include "runtime/base/protocol/interfaces/validator_interface.hpp"
#include "runtime/base/crypto/identity.hpp"
#include "runtime/base/verify/verdict_record.hpp"

namespace seedgrid::rendering {
class Renderer;
}

namespace seedgrid::validator {

struct ValidatorSetup {
  config::ValidatorSection section;
  config::NetworkSection network;
  std::shared_ptr<const Identity> identity;
  std::shared_ptr<const rendering::Renderer> renderer;
  std::uint64_t pixel_steps_per_second = 0;
  std::string name;
  // Where the treasury's newest signed ledger head is kept
  // (actors/treasury/checkpoint_witness.hpp); empty: in memory only.
  std::string ledger_checkpoint_file;
  // Where each signed verdict is recorded before it is sent; null: not recorded (no data_dir).
  std::shared_ptr<verify::VerdictRecord> verdict_record;
};

protocol::validator_actor spawn_validator(caf::actor_system& system, ValidatorSetup setup,
                                          const protocol::coordinator_actor* local_coordinator);

}  // namespace seedgrid::validator
