#include "runtime/gateway/route_table.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace seedgrid::gateway {
namespace {

HttpRequest request(std::string method, std::string path) {
  HttpRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  return r;
}

// The server routes a HEAD as a GET (the GET answer's header alone goes back), but a refusal
// names the method the client sent.
TEST(RouteTable, ARefusedHeadIsNamedAsTheClientSentIt) {
  HttpRequest head = request("GET", "/api/v2/generate/async");
  head.head = true;
  const auto refused = method_not_allowed(head);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 405);
  const std::string message(
      boost::json::parse(refused->body).as_object().at("message").as_string());
  EXPECT_NE(message.find("method HEAD is not allowed on /api/v2/generate/async"), std::string::npos)
      << message;
}

// Exploratory testing found POST /v1/status answered 200: it, and every other route that took
// any method, now answers 405 naming what it serves.
TEST(RouteTable, EveryRouteRefusesAMethodItDoesNotServeNamingWhatItServes) {
  const auto refused = method_not_allowed(request("POST", "/v1/status"));
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 405);
  EXPECT_EQ(refused->header("Allow"), "GET, HEAD, OPTIONS");
  const auto body = boost::json::parse(refused->body).as_object();
  EXPECT_EQ(body.at("rc"), "MethodNotAllowed");
  const std::string message(body.at("message").as_string());
  EXPECT_NE(message.find("POST"), std::string::npos) << message;
  EXPECT_NE(message.find("/v1/status"), std::string::npos) << message;

  for (const auto* path :
       {"/healthz", "/readyz", "/metrics", "/api/v2/status/heartbeat", "/api/v2/status/models",
        "/api/v2/workers", "/api/v2/find_user", "/v1/status", "/v1/quote", "/v1/models",
        "/v1/account", "/v1/account/history", "/v1/images/r-0", "/v1/images/r-0.webp",
        "/v1/images/r-0/receipt", "/v1/requests/r/events", "/", "/app.js"}) {
    SCOPED_TRACE(path);
    EXPECT_FALSE(method_not_allowed(request("GET", path))) << "GET (and so HEAD) is served";
    for (const auto* method : {"POST", "PUT", "DELETE", "PATCH"}) {
      const auto r = method_not_allowed(request(method, path));
      ASSERT_TRUE(r.has_value()) << method;
      EXPECT_EQ(r->status, 405);
      EXPECT_EQ(r->header("Allow"), "GET, HEAD, OPTIONS");
    }
  }
}

TEST(RouteTable, RoutesOfSeveralMethodsNameThemAll) {
  struct Case {
    const char* path;
    std::vector<const char*> served;
    const char* refused;
    const char* allow;
  };
  for (const auto& c : std::vector<Case>{
           {"/api/v2/generate/async", {"POST"}, "GET", "POST, OPTIONS"},
           {"/api/v2/generate/check/abc", {"GET"}, "DELETE", "GET, HEAD, OPTIONS"},
           {"/api/v2/generate/status/abc", {"GET", "DELETE"}, "POST", "GET, HEAD, DELETE, OPTIONS"},
           {"/v1/audit", {"POST"}, "GET", "POST, OPTIONS"},
           {"/v1/requests", {"GET", "POST"}, "DELETE", "GET, HEAD, POST, OPTIONS"},
           {"/v1/requests/abc", {"GET", "DELETE"}, "POST", "GET, HEAD, DELETE, OPTIONS"},
           {"/v1/requests/abc/cancel", {"POST"}, "GET", "POST, OPTIONS"},
       }) {
    SCOPED_TRACE(c.path);
    for (const auto* m : c.served) EXPECT_FALSE(method_not_allowed(request(m, c.path))) << m;
    const auto r = method_not_allowed(request(c.refused, c.path));
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->header("Allow"), c.allow);
  }
}

TEST(RouteTable, PathsNoRouteServesAreNotMatchedAndCountAsOne) {
  for (const auto* path : {"/v1/no-such-route", "/api/v2/nothing", "/v1/requests/",
                           "/v1/requests/abc/bogus", "/v1/images/x/y/z", "/api/v2/generate/check/"}) {
    SCOPED_TRACE(path);
    EXPECT_FALSE(match_route(path).has_value());
    EXPECT_FALSE(method_not_allowed(request("PUT", path))) << "a 404, not a 405";
    EXPECT_EQ(route_label(path), "unmatched");
  }
  EXPECT_EQ(route_label("/v1/requests/abc/events"), "/v1/requests/{id}/events");
  EXPECT_EQ(route_label("/v1/images/abc-0.webp"), "/v1/images/{id}");
  EXPECT_EQ(route_label("/api/v2/generate/check/abc"), "/api/v2/generate/check/{id}");
  EXPECT_EQ(route_label("/studio.css"), "static");
}

}  // namespace
}  // namespace seedgrid::gateway
