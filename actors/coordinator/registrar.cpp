#include "actors/coordinator/registrar.hpp"

#include "runtime/base/protocol/node_name.hpp"
#include "runtime/base/protocol/version.hpp"

namespace seedgrid::coordinator {

using protocol::ErrorCode;
using protocol::refuse;

Registrar::Registrar(const Identity& coordinator, std::int64_t ttl_ms)
    : coordinator_(coordinator), ttl_ms_(ttl_ms) {}

protocol::Challenge Registrar::issue(std::int64_t now_ms) {
  // Forget expired challenges, then the oldest ones if too many are outstanding.
  while (!by_expiry_.empty() &&
         (by_expiry_.begin()->first < now_ms || expiry_.size() >= kMaxOutstanding)) {
    expiry_.erase(by_expiry_.begin()->second);
    by_expiry_.erase(by_expiry_.begin());
  }
  protocol::Challenge c = protocol::make_challenge(coordinator_);
  expiry_[c.nonce] = now_ms + ttl_ms_;
  by_expiry_.emplace(now_ms + ttl_ms_, c.nonce);
  return c;
}

protocol::Reply Registrar::verify(const protocol::Registration& r, std::int64_t now_ms) {
  // First: a node of another protocol encodes the rest of its registration differently.
  if (auto same = protocol::check_protocol(
          std::string(protocol::role_name(r.role)) + " " + r.node.hex().substr(0, 16), r.protocol);
      !same.ok())
    return same;
  auto it = expiry_.find(r.nonce);
  if (it == expiry_.end())
    return refuse(ErrorCode::challenge_failed,
                  "registration of " + r.node.hex() +
                      " answers no outstanding challenge (unknown, or already used)");
  const std::int64_t expires = it->second;
  for (auto e = by_expiry_.lower_bound(expires); e != by_expiry_.end() && e->first == expires;
       ++e) {
    if (e->second == r.nonce) {
      by_expiry_.erase(e);
      break;
    }
  }
  expiry_.erase(it);
  if (expires < now_ms)
    return refuse(ErrorCode::challenge_failed,
                  "registration of " + r.node.hex() + " answers a challenge that expired " +
                      std::to_string(now_ms - expires) + " ms ago; say hello again");
  if (r.role != protocol::Role::worker && r.role != protocol::Role::validator)
    return refuse(ErrorCode::role_refused, "only workers and validators register, not a " +
                                               std::string(protocol::role_name(r.role)));
  if (!protocol::registration_signature_valid(r, coordinator_.public_key()))
    return refuse(ErrorCode::bad_signature,
                  "registration signature does not verify for node " + r.node.hex());
  if (auto named = protocol::check_node_name(r.name); !named)
    return refuse(ErrorCode::invalid_request, "registration of " + r.node.hex() + ": " +
                                                  named.error().message +
                                                  " (set $.node.name in the node's config)");
  return {};
}

}  // namespace seedgrid::coordinator
