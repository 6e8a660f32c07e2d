#include "actors/coordinator/seen_commands.hpp"

#include <string>

namespace seedgrid::coordinator {

using protocol::ErrorCode;
using protocol::refuse;

protocol::Reply SeenCommands::check(const protocol::ClientCommand& command,
                                    std::int64_t now_unix_ms) {
  forget_expired(now_unix_ms);
  const std::string what = std::string(protocol::client_command_kind_name(command.kind)) +
                           " command for request '" + command.request_id + "'";
  if (command.expires_unix_ms < now_unix_ms)
    return refuse(ErrorCode::stale_command,
                  what + " expired at " + std::to_string(command.expires_unix_ms) +
                      " (Unix ms); the coordinator's clock reads " + std::to_string(now_unix_ms) +
                      ". Send a new command (and check this machine's clock if it was just made)");
  if (command.expires_unix_ms - now_unix_ms > protocol::kClientCommandMaxLifetimeMs)
    return refuse(ErrorCode::stale_command,
                  what + " expires at " + std::to_string(command.expires_unix_ms) +
                      " (Unix ms), more than " +
                      std::to_string(protocol::kClientCommandMaxLifetimeMs / 1000) +
                      " s after the coordinator's clock (" + std::to_string(now_unix_ms) +
                      "); check this machine's clock");
  if (by_nonce_.contains({command.payer, command.nonce}))
    return refuse(ErrorCode::replayed_command,
                  what +
                      " was already received once (its nonce is used); a command is good "
                      "once: send a new one");
  if (by_nonce_.size() >= capacity_)
    return refuse(ErrorCode::too_many_commands,
                  "the coordinator holds " + std::to_string(capacity_) +
                      " unexpired client commands; retry within " +
                      std::to_string(protocol::kClientCommandMaxLifetimeMs / 1000) + " s");
  return {};
}

void SeenCommands::remember(const protocol::ClientCommand& command) {
  remember(command.payer, command.nonce, command.expires_unix_ms);
}

void SeenCommands::remember(const PublicKey& payer, const Digest& nonce,
                            std::int64_t expires_unix_ms) {
  const Nonce n{payer, nonce};
  if (by_nonce_.insert(n).second) by_expiry_.emplace(expires_unix_ms, n);
}

void SeenCommands::forget_expired(std::int64_t now_unix_ms) {
  // A command that expired is refused as stale from now on, so its nonce need not be kept.
  auto end = by_expiry_.lower_bound(now_unix_ms);
  for (auto it = by_expiry_.begin(); it != end; ++it) by_nonce_.erase(it->second);
  by_expiry_.erase(by_expiry_.begin(), end);
}

}  // namespace seedgrid::coordinator
