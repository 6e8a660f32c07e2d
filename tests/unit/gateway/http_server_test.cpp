// The gateway's HTTP server on 127.0.0.1 with a real socket client: the limits every route shares
// (body size, header and body deadlines, connection cap, malformed HTTP) and streamed bodies.
#include "runtime/gateway/http_server.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

namespace seedgrid::gateway {
namespace {

using namespace std::chrono_literals;

int connect_to(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

void send_all(int fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    const auto n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += static_cast<std::size_t>(n);
  }
}

// Everything until the server closes (or 10 s pass).
std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    const auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

std::unique_ptr<HttpServer> echo_server(ServerLimits limits) {
  auto server = HttpServer::start("127.0.0.1", 0, limits, 1, [](HttpRequest r, Reply reply) {
    if (r.path == "/stream") {
      struct Three : ChunkSource {
        int n = 0;
        void next(std::function<void(std::optional<std::string>)> deliver) override {
          if (n == 3) return deliver(std::nullopt);
          deliver("piece " + std::to_string(n++) + "\n");
        }
      };
      HttpResponse s;
      s.content_type = "text/event-stream";
      s.stream = std::make_shared<Three>();
      return reply(std::move(s));
    }
    // Answer from another thread, as routes waiting on the coordinator do.
    std::thread([r = std::move(r), reply] {
      reply(HttpResponse{
          200,
          "text/plain",
          r.method + " " + r.path + " " + r.header("x-a") + " " + std::to_string(r.body.size()),
          {},
          {}});
    }).detach();
  });
  EXPECT_TRUE(server) << server.error().message;
  return std::move(*server);
}

TEST(HttpServer, AnswersAndKeepsTheConnectionAlive) {
  auto server = echo_server({});
  const int fd = connect_to(server->port());
  ASSERT_GE(fd, 0);
  send_all(fd, "GET /a?x=1 HTTP/1.1\r\nHost: t\r\nX-A: one\r\n\r\n");
  send_all(fd, "POST /b HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc");
  const auto out = read_all(fd);
  ::close(fd);
  EXPECT_NE(out.find("GET /a one 0"), std::string::npos) << out;
  EXPECT_NE(out.find("POST /b  3"), std::string::npos) << out;
}

TEST(HttpServer, AnswersHeadWithTheGetAnswersHeaderAndNoBody) {
  auto server = echo_server({});
  const int fd = connect_to(server->port());
  ASSERT_GE(fd, 0);
  // A body after the HEAD answer would be read as the start of the next one.
  send_all(fd, "HEAD /a HTTP/1.1\r\nHost: t\r\n\r\n");
  send_all(fd, "HEAD /stream HTTP/1.1\r\nHost: t\r\n\r\n");
  send_all(fd, "GET /b HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  const auto out = read_all(fd);
  ::close(fd);
  const auto first = out.find("HTTP/1.1 200");
  const auto second = out.find("HTTP/1.1 200", first + 1);
  const auto third = out.find("HTTP/1.1 200", second + 1);
  ASSERT_NE(third, std::string::npos) << out;
  const std::string head = out.substr(first, second - first);
  EXPECT_NE(head.find("Content-Length: 9\r\n"), std::string::npos) << "\"GET /a  0\" is 9 bytes\n"
                                                                   << out;
  EXPECT_EQ(head.substr(head.size() - 4), "\r\n\r\n") << "no body after the header\n" << out;
  EXPECT_EQ(out.find("GET /a"), std::string::npos) << "the route answered GET, its body not sent";
  const std::string stream_head = out.substr(second, third - second);
  EXPECT_NE(stream_head.find("text/event-stream"), std::string::npos) << out;
  EXPECT_EQ(stream_head.find("piece"), std::string::npos) << out;
  EXPECT_NE(out.find("GET /b  0", third), std::string::npos) << out;
}

TEST(HttpServer, RefusesABodyOverTheLimitWith413) {
  ServerLimits limits;
  limits.max_body_bytes = 1024;
  auto server = echo_server(limits);
  const int fd = connect_to(server->port());
  send_all(fd,
           "POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n" + std::string(5000, 'a'));
  const auto out = read_all(fd);
  ::close(fd);
  EXPECT_EQ(out.rfind("HTTP/1.1 413", 0), 0u) << out;
  EXPECT_NE(out.find("\"rc\":\"BodyTooLarge\""), std::string::npos) << out;
}

TEST(HttpServer, RefusesAChunkedBodyOverTheLimitWith413) {
  ServerLimits limits;
  limits.max_body_bytes = 1024;
  auto server = echo_server(limits);
  const int fd = connect_to(server->port());
  std::string chunk(800, 'b');
  send_all(fd, "POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n320\r\n" + chunk +
                   "\r\n320\r\n" + chunk + "\r\n0\r\n\r\n");
  const auto out = read_all(fd);
  ::close(fd);
  EXPECT_EQ(out.rfind("HTTP/1.1 413", 0), 0u) << out;
}

TEST(HttpServer, AnswersMalformedHttpWith400) {
  auto server = echo_server({});
  const int fd = connect_to(server->port());
  send_all(fd, "GET / HTTP/1.1\r\nBad Header Line\r\n\r\n");
  const auto out = read_all(fd);
  ::close(fd);
  EXPECT_EQ(out.rfind("HTTP/1.1 400", 0), 0u) << out;
  EXPECT_NE(out.find("\"message\""), std::string::npos);
}

TEST(HttpServer, AnswersAHeaderOverTheLimitWith431) {
  auto server = echo_server({});
  const int fd = connect_to(server->port());
  send_all(fd, "GET /" + std::string(20'000, 'a') + " HTTP/1.1\r\nHost: t\r\n\r\n");
  const auto out = read_all(fd);
  ::close(fd);
  EXPECT_EQ(out.rfind("HTTP/1.1 431", 0), 0u) << out.substr(0, 200);
  EXPECT_NE(out.find("HeaderTooLarge"), std::string::npos);
}

TEST(HttpServer, ClosesAClientTooSlowWithItsHeaders) {
  ServerLimits limits;
  limits.header_timeout = 300ms;
  auto server = echo_server(limits);
  const int fd = connect_to(server->port());
  send_all(fd, "GET / HTTP/1.1\r\nHost: t\r\n");  // never finishes its headers
  const auto out = read_all(fd);                  // returns once the server closes
  ::close(fd);
  EXPECT_EQ(out, "");
  // The server still serves others.
  const int ok = connect_to(server->port());
  send_all(ok, "GET /after HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  EXPECT_NE(read_all(ok).find("GET /after"), std::string::npos);
  ::close(ok);
}

TEST(HttpServer, ClosesAClientTooSlowWithItsBody) {
  ServerLimits limits;
  limits.body_timeout = 300ms;
  auto server = echo_server(limits);
  const int fd = connect_to(server->port());
  send_all(fd, "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc");
  EXPECT_EQ(read_all(fd), "");
  ::close(fd);
}

TEST(HttpServer, RefusesConnectionsOverTheCapWith503) {
  ServerLimits limits;
  limits.max_connections = 2;
  auto server = echo_server(limits);
  const int a = connect_to(server->port());
  const int b = connect_to(server->port());
  const int c = connect_to(server->port());
  const auto out = read_all(c);
  EXPECT_EQ(out.rfind("HTTP/1.1 503", 0), 0u) << out;
  EXPECT_NE(out.find("Retry-After"), std::string::npos);
  ::close(a);
  ::close(b);
  ::close(c);
}

// A connection to the server from `source` (another loopback address: another client).
int connect_from(const char* source, std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in from{};
  from.sin_family = AF_INET;
  ::inet_pton(AF_INET, source, &from.sin_addr);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    ::close(fd);
    return -1;
  }
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

TEST(HttpServer, OneClientCannotTakeEveryConnection) {
  ServerLimits limits;
  limits.max_connections_per_client = 2;
  auto server = echo_server(limits);
  const int a = connect_to(server->port());
  const int b = connect_to(server->port());
  const int c = connect_to(server->port());
  const auto refused = read_all(c);
  EXPECT_EQ(refused.rfind("HTTP/1.1 503", 0), 0u) << refused;
  EXPECT_NE(refused.find("this address has 2 connections open"), std::string::npos) << refused;
  ::close(c);
  // Another client is served while the first holds its share.
  const int other = connect_from("127.0.0.2", server->port());
  ASSERT_GE(other, 0);
  send_all(other, "GET /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  const auto served = read_all(other);
  EXPECT_EQ(served.rfind("HTTP/1.1 200", 0), 0u) << served;
  ::close(other);
  // A connection the first client closes is its own again.
  ::close(a);
  std::this_thread::sleep_for(200ms);
  const int again = connect_to(server->port());
  send_all(again, "GET /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  const auto after = read_all(again);
  EXPECT_EQ(after.rfind("HTTP/1.1 200", 0), 0u) << after;
  ::close(again);
  ::close(b);
}

TEST(HttpServer, StreamsABodyAsChunksAndKeepsTheConnectionForTheNextRequest) {
  auto server = echo_server({});
  const int fd = connect_to(server->port());
  send_all(fd, "GET /stream HTTP/1.1\r\nHost: t\r\n\r\n"
               "GET /after HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  const auto out = read_all(fd);
  ::close(fd);
  EXPECT_NE(out.find("text/event-stream"), std::string::npos) << out;
  EXPECT_NE(out.find("Transfer-Encoding: chunked"), std::string::npos) << out;
  const auto pieces = out.find("8\r\npiece 0\n\r\n8\r\npiece 1\n\r\n8\r\npiece 2\n\r\n0\r\n\r\n");
  ASSERT_NE(pieces, std::string::npos) << out;
  EXPECT_NE(out.find("GET /after", pieces), std::string::npos)
      << "the request after the stream was not answered on its connection: " << out;
}

TEST(HttpServer, StreamsABodyToAnHttp10ClientAndEndsItWithTheClose) {
  auto server = echo_server({});
  const int fd = connect_to(server->port());
  send_all(fd, "GET /stream HTTP/1.0\r\nHost: t\r\n\r\n");
  const auto out = read_all(fd);
  ::close(fd);
  EXPECT_EQ(out.find("chunked"), std::string::npos) << out;
  EXPECT_NE(out.find("\r\n\r\npiece 0\npiece 1\npiece 2\n"), std::string::npos) << out;
}

TEST(HttpServer, ProbeReadsTheStatus) {
  auto server = echo_server({});
  auto status = http_probe("127.0.0.1", server->port(), "/x", 5s);
  ASSERT_TRUE(status) << status.error().message;
  EXPECT_EQ(*status, 200);
}

}  // namespace
}  // namespace seedgrid::gateway
