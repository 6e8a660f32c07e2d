#pragma once
// What a coordinator accepts, and what it answers: the interface clients, workers and validators
// send to. A handle reached over the network arrives as caf::actor (runtime/base/link) and is
// cast to this type once, where it arrives; every send after that is checked by the compiler.
// Include only from CAF .cpp files (or headers only they include).
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/base/protocol/atoms.hpp"
#include "runtime/base/protocol/audit.hpp"
#include "runtime/base/protocol/error_code.hpp"
#include "runtime/base/protocol/input_image.hpp"
#include "runtime/base/protocol/job_result.hpp"
#include "runtime/base/protocol/opening.hpp"
#include "runtime/base/protocol/registration.hpp"
#include "runtime/base/protocol/request.hpp"
#include "runtime/base/protocol/status.hpp"

namespace seedgrid::protocol {

using coordinator_actor = caf::typed_actor<
    // --- clients (the CLI's generate session, the gateway, tests) ---
    // The wire protocol (version.hpp), asked before anything a coordinator of another release
    // would misread: an atom and a number read the same in every release.
    caf::replies_to<protocol_atom>::with<std::uint32_t>,
    // Answered after the escrow hold; events follow to the sender (client_interface.hpp).
    caf::replies_to<submit_atom, GenerateRequest>::with<SubmitAck>,
    // Re-attaches to a request: results whose index is not in `have` are sent again.
    caf::replies_to<attach_atom, ClientCommand, std::vector<std::uint32_t>>::with<SubmitAck>,
    caf::replies_to<cancel_atom, ClientCommand>::with<Reply>,
    caf::replies_to<status_atom>::with<StatusReport>,
    // --- workers and validators (actors/session/coordinator_session.cpp) ---
    // The role's name; the answer is signed into the registration that follows.
    caf::replies_to<hello_atom, std::string>::with<Challenge>,
    caf::replies_to<register_atom, Registration>::with<RegistrationAck>,
    // A task script's bytes by id (SHA-256), for a worker given a job of a scripted task type.
    caf::replies_to<script_atom, std::string>::with<TaskScriptReply>,
    // A request's input image by id (input_image.hpp), for its jobs and their audits.
    caf::replies_to<input_image_atom, std::string>::with<InputImageReply>,
    // --- workers ---
    // The jobs of one batch, started together.
    caf::reacts_to<started_atom, std::vector<JobStarted>>,
    // A step of a batch: each of its jobs' progress, in one message.
    caf::reacts_to<progress_atom, std::vector<JobProgress>>,
    caf::replies_to<jobfail_atom, JobFailure>::with<Reply>,
    caf::replies_to<result_atom, JobResult>::with<Reply>,
    // The results of one rendered batch, in one message; reply i answers result i.
    caf::replies_to<results_atom, std::vector<JobResult>>::with<std::vector<Reply>>,
    // An appeal of a failed verdict the coordinator passed on (worker_interface.hpp).
    caf::replies_to<appeal_atom, Appeal>::with<Reply>,
    // --- validators ---
    caf::replies_to<verdict_atom, Verdict>::with<Reply>,
    // Relayed to the audited worker under a deadline; no answer in time comes back as an
    // Opening carrying an error.
    caf::replies_to<open_atom, OpeningRequest>::with<Opening>>;

}  // namespace seedgrid::protocol
