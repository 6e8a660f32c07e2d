#pragma once
// Which paths the gateway serves, and with which methods: one table, so that the metrics' route
// labels and the 405 answers cannot drift from each other (routes that checked their methods one
// by one forgot some: POST /v1/status answered 200).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/gateway/http_message.hpp"

namespace seedgrid::gateway {

struct RouteMatch {
  // The path with its id written {id} ("/v1/requests/{id}/events"), or "static" for the studio's
  // files (every path outside /api/ and /v1/ that no other route serves).
  std::string pattern;
  std::vector<std::string_view> methods;  // GET stands for HEAD too (http_server.cpp maps it)
};

// The route `path` names; nothing for an /api/ or /v1/ path that no route serves.
std::optional<RouteMatch> match_route(std::string_view path);

// What a request's metrics count under: its route's pattern, or "unmatched". A series per
// stranger's path would grow the metrics (and each scrape) without bound, no key needed.
std::string route_label(std::string_view path);

// "GET, HEAD, OPTIONS": the Allow header of a route (OPTIONS is the CORS preflight, answered on
// every path).
std::string allow_header(const RouteMatch& route);

// 405 MethodNotAllowed, with the Allow header and a message naming the method and the path, when
// the request's route does not serve its method; nothing when it does or no route matches (the
// routes answer 404 for those).
std::optional<HttpResponse> method_not_allowed(const HttpRequest& request);
// The same for a route already matched (the gateway matches each request once).
std::optional<HttpResponse> method_not_allowed(const HttpRequest& request, const RouteMatch& route);

}  // namespace seedgrid::gateway
