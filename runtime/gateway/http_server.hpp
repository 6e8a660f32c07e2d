#pragma once
// The gateway's HTTP/1.1 server (Boost.Beast over Asio, asynchronous, keep-alive). It enforces the
// limits every route shares before a handler sees the request: a header deadline and a body
// deadline (a slow client is closed), a body size limit (413), a connection limit (503), and
// answers malformed HTTP with 400, each with a JSON error. Handlers answer asynchronously.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "models/result.hpp"
#include "runtime/gateway/http_message.hpp"

namespace seedgrid::gateway {

struct ServerLimits {
  std::uint32_t max_body_bytes = 1u << 20;
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds body_timeout{30'000};
  // Idle keep-alive connections and streams waiting this long for the next piece are closed.
  std::chrono::milliseconds idle_timeout{60'000};
  std::uint32_t max_connections = 10'000;
  // From one client address: past it, that client's next connection gets 503, so one client
  // cannot take every connection from the others.
  std::uint32_t max_connections_per_client = 1'000;
};

class HttpServer {
 public:
  // Binds host:port (port 0: any free port) and serves on `threads` I/O threads until stopped.
  static Result<std::unique_ptr<HttpServer>> start(const std::string& host, std::uint16_t port,
                                                   ServerLimits limits, unsigned threads,
                                                   Handler handler);
  ~HttpServer();  // stop()

  std::uint16_t port() const;
  std::uint32_t open_connections() const;
  void stop();

  struct State;

 private:
  explicit HttpServer(std::shared_ptr<State> state);
  std::shared_ptr<State> state_;
};

// GET `target` from host:port and return the status (for "is it answering yet?" checks).
Result<int> http_probe(const std::string& host, std::uint16_t port, const std::string& target,
                       std::chrono::milliseconds timeout);

}  // namespace seedgrid::gateway
