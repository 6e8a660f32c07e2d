#pragma once
// Stable error codes of the seedgrid protocol: clients, scripts and the HTTP gateway match on the
// number, so a code is never renumbered or reused. New codes are appended within their range.
//
// clang-format off
//   range  area                 code  name                   meaning
//   1xx    request validation   100   invalid_request        a field is malformed (the reason names it)
//                               101   unknown_model          the model id is not in the coordinator's catalog
//                               102   invalid_count          count outside 1..max_count (512)
//                               103   invalid_size           width/height not a multiple of 8 or outside 8..max
//                               104   invalid_steps          steps outside 1..max_steps
//                               105   invalid_guidance       guidance not finite or outside 0..max_guidance
//                               106   unknown_sampler        sampler not one of euler, euler_a, ddim, dpmpp_2m
//                               107   unknown_task_type      task type unknown or not enabled on this network
//                               108   invalid_prompt         prompt or negative prompt too long or not UTF-8
//                               109   invalid_payer          payer missing or not the key that signed
//                               110   duplicate_request      request id in use, or spent (choose another)
//                               111   unknown_request        no such request (attach, cancel)
//                               112   invalid_task_param     a task script's parameter is unknown,
//                                                             of the wrong type or outside its schema
//                               120   no_capable_worker      no registered worker serves this model and tier
//   13x    money                130   insufficient_funds     the payer cannot cover the quote
//                               131   treasury_unavailable   the treasury did not answer
//                               132   ledger_rejected        the ledger refused an operation (reason says why)
//   2xx    authentication       200   not_registered         the sender has not completed registration
//                               201   bad_signature          a signature does not verify for the claimed key
//                               202   challenge_failed       unknown, expired or already used challenge
//                               203   role_refused           the node asked for a role it may not have
//                               204   mismatch               a result does not match its job (hash, spec, size)
//                               205   stale_command          a client command past its expiry, or dated too far ahead
//                               206   replayed_command       a client command whose nonce was already used
//                               207   too_many_commands      the coordinator holds as many live commands as it keeps
//   3xx    job outcome          300   worker_error           the worker could not render the job
//                               301   job_timeout            the job missed its deadline
//                               302   worker_lost            the worker's link went down (CAF down message)
//                               303   attempts_exhausted     every attempt failed; the job is refunded
//                               304   cancelled              the client cancelled
//                               305   audit_failed           a validator's re-render disagreed with the result
//                               306   job_invalid            the job is outside its model's limits: any worker
//                                                            fails it, so no worker is blamed (no retry)
//                               307   task_script_failed     the job's task script failed (its message names
//                                                            the file and line); a second worker confirms it,
//                                                            then the job is refunded and no worker is blamed
//                               308   worker_busy            the worker's slots are taken by jobs of other
//                                                            coordinators: the job goes back to the queue,
//                                                            nobody is blamed (several coordinators)
//   5xx    internal             500   internal               an unexpected internal failure (see the log)
//                               501   journal_failed         the coordinator could not write its journal
//                               502   shutting_down          the node is stopping
// clang-format on
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "models/result.hpp"

namespace seedgrid::protocol {

enum class ErrorCode : std::uint16_t {
  ok = 0,
  invalid_request = 100,
  unknown_model = 101,
  invalid_count = 102,
  invalid_size = 103,
  invalid_steps = 104,
  invalid_guidance = 105,
  unknown_sampler = 106,
  unknown_task_type = 107,
  invalid_prompt = 108,
  invalid_payer = 109,
  duplicate_request = 110,
  unknown_request = 111,
  invalid_task_param = 112,
  no_capable_worker = 120,
  insufficient_funds = 130,
  treasury_unavailable = 131,
  ledger_rejected = 132,
  not_registered = 200,
  bad_signature = 201,
  challenge_failed = 202,
  role_refused = 203,
  mismatch = 204,
  stale_command = 205,
  replayed_command = 206,
  too_many_commands = 207,
  protocol_mismatch = 208,  // a node built for another wire protocol (version.hpp)
  worker_error = 300,
  job_timeout = 301,
  worker_lost = 302,
  attempts_exhausted = 303,
  cancelled = 304,
  audit_failed = 305,
  job_invalid = 306,
  task_script_failed = 307,
  worker_busy = 308,
  internal = 500,
  journal_failed = 501,
  shutting_down = 502,
};

// "unknown_model"; "unassigned" for a number that is not a code.
std::string_view error_code_name(ErrorCode code);
std::optional<ErrorCode> error_code_from_number(std::uint32_t number);
// Every code, in numeric order (for documentation and tests).
std::span<const ErrorCode> all_error_codes();

// The answer to a message that can be refused: ok, or the stable code and a reason a person can
// act on.
struct Reply {
  ErrorCode code = ErrorCode::ok;
  std::string reason;
  bool ok() const { return code == ErrorCode::ok; }
};
inline Reply refuse(ErrorCode code, std::string reason) { return Reply{code, std::move(reason)}; }

// Errors that carry their code (seedgrid::Error::code) up to the edge that answers a client:
//   return protocol::fail_with(ErrorCode::duplicate_request, "request id '", id, "' is in use");
//   ... context(r.error(), "submitting ", id) keeps the code ...
//   reply(protocol::reply_of(r.error(), ErrorCode::internal));
template <class... Parts>
std::unexpected<Error> fail_with(ErrorCode code, Parts&&... parts) {
  return std::unexpected<Error>(
      Error{message_of(std::forward<Parts>(parts)...), static_cast<std::uint16_t>(code)});
}
// `error` raised with `code` (replacing any code it had).
Error with_code(Error error, ErrorCode code);
// The code `error` was raised with; `otherwise` when it has none (or a number that is no code).
ErrorCode code_of(const Error& error, ErrorCode otherwise);
// A refusal with the error's code (`otherwise` when it has none) and its message as the reason.
Reply reply_of(const Error& error, ErrorCode otherwise);
// A refusal as an error that keeps its code.
Error error_of(const Reply& refusal);

}  // namespace seedgrid::protocol
