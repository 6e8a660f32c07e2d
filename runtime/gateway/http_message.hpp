#pragma once
// An HTTP request and response as the gateway's routes see them: plain values, no Beast types, so
// the routes (and their tests) never compile Beast's headers. http_server.cpp converts.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace seedgrid::gateway {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...; a HEAD is routed as "GET" (with `head` set)
  bool head = false;   // the client sent HEAD: the GET answer's header alone goes back
  std::string path;    // without the query, percent-decoding left to the route
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  std::string remote;      // the peer's address
  bool websocket = false;  // a WebSocket upgrade request

  // The header's value, or empty.
  std::string header(std::string_view lower_name) const;
  // The method as the client sent it (HEAD included), for messages.
  std::string method_sent() const { return head ? "HEAD" : method; }
};

// A body written piece by piece (Server-Sent Events): the server asks for the next piece and
// writes it once it is given; nothing (std::nullopt) ends the response. `next` may answer later,
// from any thread, but answers each call exactly once.
class ChunkSource {
 public:
  virtual ~ChunkSource() = default;
  virtual void next(std::function<void(std::optional<std::string>)> deliver) = 0;
  // The client went away: stop producing (a pending `next` may still be answered; it is dropped).
  virtual void close() {}
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::shared_ptr<ChunkSource> stream;  // set: body is streamed until the source ends
  // With a stream, on an upgrade request: accept the WebSocket and send each piece as a text
  // message (otherwise the upgrade is answered as plain HTTP).
  bool websocket = false;

  // The first header of that name (as written), or empty.
  std::string header(std::string_view name) const;
};

// Answers a request; may be called from any thread, exactly once.
using Reply = std::function<void(HttpResponse)>;
using Handler = std::function<void(HttpRequest, Reply)>;

// "a%20b" -> "a b" ('+' stays: only query values decode it); bad escapes are kept as they are.
std::string percent_decode(std::string_view text, bool plus_is_space = false);
// Splits "a=1&b=two" into a map (later keys win).
std::map<std::string, std::string> parse_query(std::string_view query);

}  // namespace seedgrid::gateway
