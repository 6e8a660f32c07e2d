#pragma once
// What the gateway's routes share (gateway.cpp builds it; horde_api.cpp, native_api.cpp use it).
#include <memory>
#include <optional>
#include <string>

#include "config/node_config.hpp"
#include "runtime/gateway/gateway.hpp"
#include "runtime/gateway/http_message.hpp"
#include "runtime/gateway/http_server.hpp"
#include "runtime/base/verify/receipt_check.hpp"
#include "runtime/gateway/ledger_reader.hpp"
#include "runtime/gateway/metrics.hpp"
#include "runtime/gateway/network_view.hpp"
#include "runtime/gateway/rate_limiter.hpp"
#include "runtime/gateway/request_book.hpp"
#include "runtime/gateway/task_costs.hpp"
#include "runtime/gateway/user_store.hpp"

namespace seedgrid::gateway {

struct Gateway::Parts {
  config::GatewaySection config;
  std::unique_ptr<UserStore> users;
  std::optional<User> anonymous;  // when the operator allows anonymous requests
  std::unique_ptr<RateLimiter> limiter;
  std::unique_ptr<NetworkView> network;
  std::unique_ptr<RequestBook> book;
  std::unique_ptr<LedgerReader> ledger;  // may be null
  std::string models_dir;                // where /v1/audit finds checkpoints by id
  verify::ScriptedRerun rerun_scripted;  // /v1/audit of a scripted image (scripted_rerun.hpp)
  std::unique_ptr<TaskCosts> task_costs;  // /v1/quote of a scripted task type
  Metrics metrics;
  std::unique_ptr<HttpServer> server;  // last: stopped first
};

// The caller behind the request's API key (header `key_header`, or "Authorization: Bearer"):
// the user, or nothing after answering 401 (missing or wrong key, anonymous not allowed) or 429.
// The API key a request carries (the apikey header, a Bearer token, or ?apikey=); empty: none.
std::string api_key_of(const HttpRequest& request);
std::optional<User> authenticate(Gateway::Parts& parts, const HttpRequest& request,
                                 const Reply& reply);

// 404 for a request id the caller cannot see: `RequestExpired` with the reason when it was the
// caller's and the book forgot it, `RequestNotFound` otherwise.
HttpResponse request_not_found(Gateway::Parts& parts, const std::string& id,
                               const std::string& owner);

// The model a request names (an id, or a name as /status/models lists it; empty: the network's
// only model). Nothing after answering 400 or 503.
std::optional<protocol::ModelEntry> resolve_model(Gateway::Parts& parts, const std::string& name,
                                                  const Reply& reply);

// A fresh request id (a UUID, as Horde's ids look).
// What the coordinator would refuse at submit (the limits its status report publishes, the sizes
// the model renders), so a quote or a dry run answers as the submission would: the reason, or
// nothing (also when no report came yet: the submission then decides).
std::optional<std::string> submit_refusal(Gateway::Parts& parts,
                                          const protocol::GenerateRequest& request,
                                          const protocol::ModelEntry& model);
std::string new_request_id();

// The HTTP status and rc for a refused submission, by the protocol::ErrorCode the error carries (an
// error without one is a validation error).
std::pair<int, std::string> http_error_of(const Error& refused);

// Routes: each answers and returns true when the path is its own.
bool horde_route(Gateway::Parts& parts, const HttpRequest& request, const Reply& reply);
bool native_route(Gateway::Parts& parts, const HttpRequest& request, const Reply& reply);
void audit_route(Gateway::Parts& parts, const HttpRequest& request, const Reply& reply,
                 const User& user);

}  // namespace seedgrid::gateway
