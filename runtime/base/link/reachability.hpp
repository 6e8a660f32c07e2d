#pragma once
// Why a node cannot be reached, in words a person can act on. CAF 0.17 reports any failed connect
// as `system_error(cannot_connect_to_node ...)`, which says neither what failed nor what to check;
// a plain TCP connect to the same endpoint tells refused, unknown host and silence apart.
#include <chrono>
#include <string>

#include "config/node_config.hpp"

namespace seedgrid::link {

// "connection refused", "no such host", "no answer within 2 s", or the system's own words.
// Blocks for at most `timeout`.
std::string probe_endpoint(const config::Endpoint& endpoint,
                           std::chrono::milliseconds timeout = std::chrono::seconds(2));

// "cannot reach the coordinator at HOST:PORT (connection refused): check that ..." — what to
// check depends on what failed.
std::string unreachable_message(std::string_view what, const config::Endpoint& endpoint,
                                std::chrono::milliseconds timeout = std::chrono::seconds(2));

// "refused the coordinator at HOST:PORT in the TLS handshake: WHY: check ..." — for a link this
// node opened and refused (tls_transport.hpp's refusal_from gives WHY).
std::string refused_link_message(std::string_view what, const config::Endpoint& endpoint,
                                 const std::string& why);

}  // namespace seedgrid::link
