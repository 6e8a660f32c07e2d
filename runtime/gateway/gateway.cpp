#include "runtime/gateway/gateway.hpp"

#include <sodium.h>

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>

#include "models/pipeline/render_limits.hpp"
#include "runtime/base/crypto/hash.hpp"
#include "runtime/base/crypto/sodium_init.hpp"
#include "runtime/base/link/tls_transport.hpp"
#include "runtime/base/logging/log.hpp"
#include "runtime/base/protocol/network_limits.hpp"
#include "runtime/gateway/cors.hpp"
#include "runtime/gateway/gateway_parts.hpp"
#include "runtime/gateway/json_reply.hpp"
#include "runtime/gateway/route_table.hpp"
#include "runtime/gateway/scripted_rerun.hpp"
#include "runtime/gateway/studio_files.hpp"

namespace seedgrid::gateway {

namespace json = boost::json;

// How often the network page and Horde's status routes refresh their view of the coordinator.
constexpr auto kNetworkViewInterval = std::chrono::seconds(1);
// A request the coordinator has not acknowledged by then is answered with an error (the
// coordinator's own answer includes a round trip to the treasury for the escrow hold).
constexpr auto kSubmitAnswerTimeout = std::chrono::seconds(30);

HttpResponse request_not_found(Gateway::Parts& parts, const std::string& id,
                               const std::string& owner) {
  if (auto why = parts.book->forgotten(id, owner)) return error_reply(404, *why, "RequestExpired");
  return error_reply(404, "no request " + id + " of this API key", "RequestNotFound");
}

std::string api_key_of(const HttpRequest& request) {
  std::string key = request.header("apikey");
  if (key.empty()) {
    const auto auth = request.header("authorization");
    if (auth.rfind("Bearer ", 0) == 0) key = auth.substr(7);
  }
  if (key.empty() && request.query.count("apikey")) key = request.query.at("apikey");
  return key;
}

std::optional<User> authenticate(Gateway::Parts& parts, const HttpRequest& request,
                                 const Reply& reply) {
  const std::string key = api_key_of(request);
  if (key.empty()) {
    reply(error_reply(401, "an API key is required: send it in the \"apikey\" header",
                      "MissingAPIKey"));
    return std::nullopt;
  }
  std::optional<User> user;
  if (key == kAnonymousApiKey) {
    if (!parts.anonymous) {
      reply(error_reply(401,
                        "anonymous requests are not enabled on this gateway; ask its operator "
                        "for an API key",
                        "AnonymousNotAllowed"));
      return std::nullopt;
    }
    user = parts.anonymous;
  } else {
    user = parts.users->find(key);
    if (!user) {
      reply(error_reply(401, "the API key is not known to this gateway", "InvalidAPIKey"));
      return std::nullopt;
    }
  }
  if (const auto wait = parts.limiter->take(user->name); wait > 0) {
    auto r = error_reply(429,
                         "too many requests for this API key (" +
                             std::to_string(parts.config.requests_per_second) +
                             " a second); retry after " + std::to_string(wait) + " s",
                         "TooManyRequests");
    r.headers.emplace_back("Retry-After", std::to_string(wait));
    reply(std::move(r));
    return std::nullopt;
  }
  return user;
}

std::optional<protocol::ModelEntry> resolve_model(Gateway::Parts& parts, const std::string& name,
                                                  const Reply& reply) {
  const auto snapshot = parts.network->snapshot();
  if (!snapshot.report) {
    reply(error_reply(503, "the gateway has no answer from the coordinator yet: " + snapshot.error,
                      "CoordinatorUnavailable"));
    return std::nullopt;
  }
  const auto& models = snapshot.report->models;
  if (name.empty()) {
    if (models.size() == 1) return models.front();
    reply(error_reply(400,
                      "the network serves " + std::to_string(models.size()) +
                          " models; name one (GET /api/v2/status/models lists them)",
                      "ModelRequired"));
    return std::nullopt;
  }
  for (const auto& m : models)
    if (m.name == name || m.model_id == name) return m;
  reply(error_reply(400, "model '" + name + "' is not served by this network", "ModelNotFound"));
  return std::nullopt;
}

std::optional<std::string> submit_refusal(Gateway::Parts& parts,
                                          const protocol::GenerateRequest& request,
                                          const protocol::ModelEntry& model) {
  const auto snapshot = parts.network->snapshot();
  if (snapshot.report)
    if (const auto within = protocol::check_network_limits(request, snapshot.report->limits);
        !within.ok())
      return within.reason;
  if (model.size_multiple == 0) return std::nullopt;
  RenderLimits sizes;
  sizes.size_multiple = static_cast<int>(model.size_multiple);
  for (const auto& [name, value] : {std::pair{"width", request.width}, {"height", request.height}})
    if (auto ok = check_image_side(sizes, name, static_cast<int>(value)); !ok)
      return ok.error().message + " (model " + model.name + ")";
  return std::nullopt;
}

std::string new_request_id() {
  ensure_sodium();
  std::uint8_t b[16];
  randombytes_buf(b, sizeof b);
  b[6] = static_cast<std::uint8_t>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<std::uint8_t>((b[8] & 0x3f) | 0x80);
  const std::string hex = to_hex(b);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

std::pair<int, std::string> http_error_of(const Error& refused) {
  using protocol::ErrorCode;
  switch (protocol::code_of(refused, ErrorCode::invalid_request)) {
    case ErrorCode::insufficient_funds:
      return {402, "InsufficientFunds"};
    case ErrorCode::treasury_unavailable:
      return {503, "CoordinatorUnavailable"};
    // The gateway's coordinator runs another release: the operator's to fix, not the user's.
    case ErrorCode::protocol_mismatch:
      return {502, "CoordinatorIncompatible"};
    case ErrorCode::duplicate_request:
      return {409, "DuplicateRequest"};
    case ErrorCode::unknown_model:
      return {400, "ModelNotFound"};
    case ErrorCode::no_capable_worker:
      return {400, "NoAvailableWorker"};
    default:
      return {400, "ValidationError"};
  }
}

namespace {

void route(Gateway::Parts& parts, HttpRequest request, Reply reply) {
  // Before any key is asked for: which paths and methods the gateway serves is no secret.
  const auto matched = match_route(request.path);
  if (!matched)
    return reply(
        error_reply(404, "no route " + request.method_sent() + " " + request.path, "NotFound"));
  if (auto refused = method_not_allowed(request, *matched)) return reply(std::move(*refused));
  if (request.path == "/healthz") return reply(json_reply(200, json::object{{"status", "ok"}}));
  if (request.path == "/readyz") {
    const auto snapshot = parts.network->snapshot();
    if (parts.network->fresh()) return reply(json_reply(200, json::object{{"status", "ready"}}));
    return reply(error_reply(
        503,
        "not ready: " + (snapshot.error.empty() ? std::string("no answer from the coordinator")
                                                : snapshot.error),
        "NotReady"));
  }
  if (request.path == "/metrics") {
    HttpResponse r;
    r.content_type = "text/plain; version=0.0.4";
    r.body = parts.metrics.render(parts.book->counters(), parts.network->snapshot(),
                                  parts.ledger ? parts.ledger->head_seq() : 0,
                                  parts.server ? parts.server->open_connections() : 0,
                                  parts.task_costs->scripts_held());
    return reply(std::move(r));
  }
  if (horde_route(parts, request, reply)) return;
  if (native_route(parts, request, reply)) return;
  reply(studio_file_reply(parts.config.static_dir, request.path));
}

}  // namespace

Result<std::unique_ptr<Gateway>> Gateway::start(const config::GatewaySection& section,
                                                GatewayPlacement placement) {
  if (placement.system == nullptr) return fail("the gateway needs an actor system");
  if (placement.coordinator == nullptr && !section.coordinator)
    return fail("$.gateway.coordinator: the gateway needs the coordinator's address");
  auto parts = std::make_unique<Parts>();
  parts->config = section;
  parts->models_dir = placement.models_dir;
  auto users = UserStore::open(section.users_file);
  if (!users) return context(users.error(), "starting the gateway");
  parts->users = std::move(*users);
  if (section.anonymous) {
    auto key = Identity::load_or_create(section.anonymous_key_file);
    if (!key) return context(key.error(), "$.gateway.anonymous_key_file");
    parts->anonymous = User{"anonymous", std::make_shared<const Identity>(*key)};
  }
  parts->limiter = std::make_unique<RateLimiter>(section.requests_per_second, section.burst);
  const config::Endpoint coordinator_endpoint = section.coordinator.value_or(config::Endpoint{});
  if (section.coordinator && !section.coordinator_key.empty())
    link::expect_peer(*placement.system, coordinator_endpoint, section.coordinator_key);
  parts->task_costs =
      std::make_unique<TaskCosts>(*placement.system, placement.coordinator, coordinator_endpoint);
  parts->network = std::make_unique<NetworkView>(
      *placement.system, placement.coordinator, coordinator_endpoint, kNetworkViewInterval,
      [costs = parts->task_costs.get()](const protocol::StatusReport& r) { costs->prefetch(r); });
  parts->rerun_scripted =
      scripted_rerun(*placement.system, placement.coordinator, coordinator_endpoint);
  // Beside the users file: the gateway's own state, whichever node runs it.
  const auto kept_path =
      (std::filesystem::path(section.users_file).parent_path() / "requests.sqlite").string();
  auto kept = RequestJournal::open(kept_path);
  if (!kept) return context(kept.error(), "starting the gateway");
  parts->book = std::make_unique<RequestBook>(
      *placement.system, placement.coordinator, coordinator_endpoint, placement.network,
      kSubmitAnswerTimeout,
      RetentionLimits{std::chrono::seconds(section.keep_finished_s),
                      std::uint64_t{section.max_kept_megabytes} << 20},
      std::move(*kept));
  Parts* owners = parts.get();
  auto resumed = parts->book->resume([owners](const std::string& owner) {
    if (owners->anonymous && owner == owners->anonymous->name) return owners->anonymous->key;
    auto user = owners->users->find_by_name(owner);
    return user ? user->key : std::shared_ptr<const Identity>();
  });
  if (!resumed) return context(resumed.error(), "starting the gateway");
  if (*resumed > 0)
    logging::logger("gateway")->info("following {} request(s) again from {}", *resumed, kept_path);
  if (!placement.ledger_path.empty()) {
    auto ledger = LedgerReader::open(placement.ledger_path);
    if (!ledger) return context(ledger.error(), "opening the ledger for the gateway");
    parts->ledger = std::move(*ledger);
  }
  ServerLimits limits;
  limits.max_body_bytes = section.max_body_bytes;
  limits.header_timeout = std::chrono::milliseconds(section.header_timeout_ms);
  limits.body_timeout = std::chrono::milliseconds(section.body_timeout_ms);
  limits.max_connections = section.max_connections;
  limits.max_connections_per_client = section.max_connections_per_client;
  Parts* p = parts.get();
  auto server = HttpServer::start(
      section.listen.host, section.listen.port, limits, section.threads,
      [p](HttpRequest request, Reply reply) {
        const auto started = std::chrono::steady_clock::now();
        auto pattern = route_label(request.path);
        std::string origin = request.header("origin");
        // A browser asks before a cross-origin POST or a request with an apikey header: no key
        // comes with the question, so it is answered before any route asks for one.
        if (request.method == "OPTIONS") {
          HttpResponse answer = preflight(p->config.cors_origins, origin);
          p->metrics.observe(pattern, answer.status, 0.0);
          return reply(std::move(answer));
        }
        Reply measured = [p, started, pattern = std::move(pattern), origin,
                          reply = std::move(reply)](HttpResponse r) {
          allow_cross_origin(r, p->config.cors_origins, origin);
          p->metrics.observe(
              pattern, r.status,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
          reply(std::move(r));
        };
        route(*p, std::move(request), std::move(measured));
      });
  if (!server) return pass_on(server);
  parts->server = std::move(*server);
  logging::logger("gateway")->info("listening on {}:{}", section.listen.host,
                                   parts->server->port());
  return std::unique_ptr<Gateway>(new Gateway(std::move(parts)));
}

Gateway::Gateway(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}
Gateway::~Gateway() { stop(); }

std::uint16_t Gateway::port() const { return parts_->server ? parts_->server->port() : 0; }

void Gateway::stop() {
  if (parts_->server) parts_->server->stop();
}

}  // namespace seedgrid::gateway
