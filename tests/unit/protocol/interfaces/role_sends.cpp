// Compiled by ctest, not linked: with no WRONG_* macro every send below names a message its
// receiver's interface accepts and must compile; each WRONG_* macro swaps in one send the
// receiver's role does not accept (or an answer it does not give), which must not compile.
// (inspect.hpp: as in every .cpp that sends, the messages must be serializable.)
#include <caf/all.hpp>

#include <string>

#include "runtime/base/protocol/inspect.hpp"
#include "runtime/base/protocol/interfaces/client_interface.hpp"
#include "runtime/base/protocol/interfaces/coordinator_interface.hpp"
#include "runtime/base/protocol/interfaces/treasury_interface.hpp"
#include "runtime/base/protocol/interfaces/validator_interface.hpp"
#include "runtime/base/protocol/interfaces/worker_interface.hpp"

namespace seedgrid::protocol {

void role_sends(caf::event_based_actor* self, const coordinator_actor& coordinator,
                const worker_actor& worker, const validator_actor& validator,
                const treasury_actor& treasury, const client_actor& client) {
#if defined(WRONG_AUDIT_TO_WORKER)
  self->send(worker, audit_atom::value, AuditTask{});
#elif defined(WRONG_JOB_TO_VALIDATOR)
  self->send(validator, job_atom::value, Job{});
#elif defined(WRONG_SUBMIT_TO_TREASURY)
  self->request(treasury, caf::infinite, submit_atom::value, GenerateRequest{});
#elif defined(WRONG_ANSWER_FROM_COORDINATOR)
  self->request(coordinator, caf::infinite, status_atom::value).then([](const Reply&) {});
#else
  self->send(worker, job_atom::value, Job{});
  self->send(worker, cancel_atom::value, std::string{"job"}, std::uint32_t{1});
  self->send(validator, audit_atom::value, AuditTask{});
  self->send(client, event_atom::value, ClientEvent{});
  self->request(treasury, caf::infinite, stake_atom::value, std::string{"worker"})
      .then([](const StakeReply&) {});
  self->request(coordinator, caf::infinite, status_atom::value).then([](const StatusReport&) {});
#endif
}

}  // namespace seedgrid::protocol
