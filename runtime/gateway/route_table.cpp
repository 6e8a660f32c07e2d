#include "runtime/gateway/route_table.hpp"

#include <algorithm>
#include <array>

#include "runtime/gateway/json_reply.hpp"

namespace seedgrid::gateway {

namespace {

struct Route {
  std::string_view prefix;  // the whole path, or what comes before the id
  std::string_view tail;    // after the id; only when `with_id`
  bool with_id;
  std::vector<std::string_view> methods;
};

const std::vector<Route>& routes() {
  static const std::vector<Route> table = {
      {"/healthz", "", false, {"GET"}},
      {"/readyz", "", false, {"GET"}},
      {"/metrics", "", false, {"GET"}},
      {"/api/v2/generate/async", "", false, {"POST"}},
      {"/api/v2/generate/check/", "", true, {"GET"}},
      {"/api/v2/generate/status/", "", true, {"GET", "DELETE"}},
      {"/api/v2/status/heartbeat", "", false, {"GET"}},
      {"/api/v2/status/models", "", false, {"GET"}},
      {"/api/v2/workers", "", false, {"GET"}},
      {"/api/v2/find_user", "", false, {"GET"}},
      {"/v1/status", "", false, {"GET"}},
      {"/v1/quote", "", false, {"GET"}},
      {"/v1/models", "", false, {"GET"}},
      {"/v1/audit", "", false, {"POST"}},
      {"/v1/account", "", false, {"GET"}},
      {"/v1/account/history", "", false, {"GET"}},
      {"/v1/requests", "", false, {"GET", "POST"}},
      {"/v1/requests/", "", true, {"GET", "DELETE"}},
      {"/v1/requests/", "/events", true, {"GET"}},
      {"/v1/requests/", "/cancel", true, {"POST"}},
      // ID, ID.png, ID.webp (Horde's r2 links), ID/png, ID/webp, ID/receipt.
      {"/v1/images/", "", true, {"GET"}},
      {"/v1/images/", "/png", true, {"GET"}},
      {"/v1/images/", "/webp", true, {"GET"}},
      {"/v1/images/", "/receipt", true, {"GET"}},
  };
  return table;
}

bool is_api(std::string_view path) {
  return path.starts_with("/api/") || path.starts_with("/v1/");
}

}  // namespace

std::optional<RouteMatch> match_route(std::string_view path) {
  for (const Route& r : routes()) {
    if (!r.with_id) {
      if (path == r.prefix) return RouteMatch{std::string(path), r.methods};
      continue;
    }
    if (!path.starts_with(r.prefix) || path.size() == r.prefix.size()) continue;
    const auto slash = path.find('/', r.prefix.size());
    const std::string_view tail = slash == std::string_view::npos ? "" : path.substr(slash);
    if (slash != r.prefix.size() && tail == r.tail)
      return RouteMatch{std::string(r.prefix) + "{id}" + std::string(r.tail), r.methods};
  }
  if (is_api(path)) return std::nullopt;
  return RouteMatch{"static", {"GET"}};
}

std::string route_label(std::string_view path) {
  const auto route = match_route(path);
  return route ? route->pattern : "unmatched";
}

std::string allow_header(const RouteMatch& route) {
  std::string out;
  for (const auto m : route.methods) {
    out += out.empty() ? "" : ", ";
    out += m;
    if (m == "GET") out += ", HEAD";
  }
  return out + ", OPTIONS";
}

std::optional<HttpResponse> method_not_allowed(const HttpRequest& request) {
  const auto route = match_route(request.path);
  if (!route) return std::nullopt;
  return method_not_allowed(request, *route);
}

std::optional<HttpResponse> method_not_allowed(const HttpRequest& request,
                                               const RouteMatch& route) {
  if (std::find(route.methods.begin(), route.methods.end(), request.method) != route.methods.end())
    return std::nullopt;
  const std::string allow = allow_header(route);
  auto r = error_reply(405,
                       "method " + request.method_sent() + " is not allowed on " + request.path +
                           "; it answers " + allow,
                       "MethodNotAllowed");
  r.headers.emplace_back("Allow", allow);
  return r;
}

}  // namespace seedgrid::gateway
