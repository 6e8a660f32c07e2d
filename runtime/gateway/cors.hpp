#pragma once
// Cross-origin access for browser apps on other sites (a Horde web client, an app's own page):
// the origins the operator allows ($.gateway.cors_origins, "*" by default, as AI Horde's API), the
// headers that let such a page read an answer, and the answer to a browser's preflight. Safe with
// "*": the gateway authenticates by the apikey header, which a page must hold to send, never by a
// cookie the browser would add on its own.
#include <optional>
#include <string>
#include <vector>

#include "runtime/gateway/http_message.hpp"

namespace seedgrid::gateway {

// What Access-Control-Allow-Origin says to a request from `origin` (empty: not a cross-origin
// request), or nothing when the origin is not allowed.
std::optional<std::string> allowed_origin(const std::vector<std::string>& allowed,
                                          const std::string& origin);

// Adds the headers that let the page from `origin` read `r` (nothing when it is not allowed).
void allow_cross_origin(HttpResponse& r, const std::vector<std::string>& allowed,
                        const std::string& origin);

// The answer to OPTIONS on any path: 204 with the methods and request headers the API takes (a
// browser asks before a POST with a JSON body or an apikey header), for an allowed origin.
HttpResponse preflight(const std::vector<std::string>& allowed, const std::string& origin);

}  // namespace seedgrid::gateway
