#include "runtime/gateway/cors.hpp"

#include <algorithm>

namespace seedgrid::gateway {

std::optional<std::string> allowed_origin(const std::vector<std::string>& allowed,
                                          const std::string& origin) {
  if (origin.empty()) return std::nullopt;
  if (std::find(allowed.begin(), allowed.end(), "*") != allowed.end()) return "*";
  if (std::find(allowed.begin(), allowed.end(), origin) != allowed.end()) return origin;
  return std::nullopt;
}

void allow_cross_origin(HttpResponse& r, const std::vector<std::string>& allowed,
                        const std::string& origin) {
  const auto allow = allowed_origin(allowed, origin);
  if (!allow) return;
  r.headers.emplace_back("Access-Control-Allow-Origin", *allow);
  // The answer differs by origin when the list names origins: caches must keep them apart.
  if (*allow != "*") r.headers.emplace_back("Vary", "Origin");
  r.headers.emplace_back("Access-Control-Expose-Headers",
                         "Location, Retry-After, Seedgrid-Request-Id, Seedgrid-Quoted, "
                         "Seedgrid-Jobs");
}

HttpResponse preflight(const std::vector<std::string>& allowed, const std::string& origin) {
  HttpResponse r;
  r.status = 204;
  r.content_type = "text/plain";
  r.headers.emplace_back("Allow", "GET, HEAD, POST, DELETE, OPTIONS");
  if (const auto allow = allowed_origin(allowed, origin)) {
    allow_cross_origin(r, allowed, origin);
    r.headers.emplace_back("Access-Control-Allow-Methods", "GET, HEAD, POST, DELETE, OPTIONS");
    r.headers.emplace_back("Access-Control-Allow-Headers",
                           "apikey, authorization, content-type, accept, last-event-id, "
                           "client-agent");
    r.headers.emplace_back("Access-Control-Max-Age", "600");
  }
  return r;
}

}  // namespace seedgrid::gateway
