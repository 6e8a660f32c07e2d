#include "runtime/base/protocol/error_code.hpp"

#include <array>

namespace seedgrid::protocol {
namespace {

struct Named {
  ErrorCode code;
  std::string_view name;
};

constexpr std::array kCodes{
    Named{ErrorCode::ok, "ok"},
    Named{ErrorCode::invalid_request, "invalid_request"},
    Named{ErrorCode::unknown_model, "unknown_model"},
    Named{ErrorCode::invalid_count, "invalid_count"},
    Named{ErrorCode::invalid_size, "invalid_size"},
    Named{ErrorCode::invalid_steps, "invalid_steps"},
    Named{ErrorCode::invalid_guidance, "invalid_guidance"},
    Named{ErrorCode::unknown_sampler, "unknown_sampler"},
    Named{ErrorCode::unknown_task_type, "unknown_task_type"},
    Named{ErrorCode::invalid_prompt, "invalid_prompt"},
    Named{ErrorCode::invalid_payer, "invalid_payer"},
    Named{ErrorCode::duplicate_request, "duplicate_request"},
    Named{ErrorCode::unknown_request, "unknown_request"},
    Named{ErrorCode::invalid_task_param, "invalid_task_param"},
    Named{ErrorCode::no_capable_worker, "no_capable_worker"},
    Named{ErrorCode::insufficient_funds, "insufficient_funds"},
    Named{ErrorCode::treasury_unavailable, "treasury_unavailable"},
    Named{ErrorCode::ledger_rejected, "ledger_rejected"},
    Named{ErrorCode::not_registered, "not_registered"},
    Named{ErrorCode::bad_signature, "bad_signature"},
    Named{ErrorCode::challenge_failed, "challenge_failed"},
    Named{ErrorCode::role_refused, "role_refused"},
    Named{ErrorCode::mismatch, "mismatch"},
    Named{ErrorCode::stale_command, "stale_command"},
    Named{ErrorCode::replayed_command, "replayed_command"},
    Named{ErrorCode::too_many_commands, "too_many_commands"},
    Named{ErrorCode::protocol_mismatch, "protocol_mismatch"},
    Named{ErrorCode::worker_error, "worker_error"},
    Named{ErrorCode::job_timeout, "job_timeout"},
    Named{ErrorCode::worker_lost, "worker_lost"},
    Named{ErrorCode::attempts_exhausted, "attempts_exhausted"},
    Named{ErrorCode::cancelled, "cancelled"},
    Named{ErrorCode::audit_failed, "audit_failed"},
    Named{ErrorCode::job_invalid, "job_invalid"},
    Named{ErrorCode::task_script_failed, "task_script_failed"},
    Named{ErrorCode::worker_busy, "worker_busy"},
    Named{ErrorCode::internal, "internal"},
    Named{ErrorCode::journal_failed, "journal_failed"},
    Named{ErrorCode::shutting_down, "shutting_down"},
};

constexpr auto kCodeList = [] {
  std::array<ErrorCode, kCodes.size()> list{};
  for (std::size_t i = 0; i < kCodes.size(); ++i) list[i] = kCodes[i].code;
  return list;
}();

}  // namespace

std::string_view error_code_name(ErrorCode code) {
  for (const auto& n : kCodes)
    if (n.code == code) return n.name;
  return "unassigned";
}

std::optional<ErrorCode> error_code_from_number(std::uint32_t number) {
  for (const auto& n : kCodes)
    if (static_cast<std::uint32_t>(n.code) == number) return n.code;
  return std::nullopt;
}

std::span<const ErrorCode> all_error_codes() { return kCodeList; }

Error with_code(Error error, ErrorCode code) {
  error.code = static_cast<std::uint16_t>(code);
  return error;
}

ErrorCode code_of(const Error& error, ErrorCode otherwise) {
  if (error.code == 0) return otherwise;
  return error_code_from_number(error.code).value_or(otherwise);
}

Reply reply_of(const Error& error, ErrorCode otherwise) {
  return refuse(code_of(error, otherwise), error.message);
}

Error error_of(const Reply& refusal) {
  return Error{refusal.reason, static_cast<std::uint16_t>(refusal.code)};
}

}  // namespace seedgrid::protocol
