#include "runtime/gateway/http_server.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace seedgrid::gateway {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

struct HttpServer::State {
  net::io_context io;
  tcp::acceptor acceptor{io};
  std::vector<std::thread> threads;
  ServerLimits limits;
  Handler handler;
  std::atomic<std::uint32_t> connections{0};
  std::atomic<bool> stopped{false};
  std::uint16_t port = 0;
  std::mutex clients_mutex;
  std::map<std::string, std::uint32_t> connections_of;  // client address -> open connections

  // Counts a new connection of `client`; false when it has more than its share open.
  bool admit(const std::string& client) {
    std::lock_guard lock(clients_mutex);
    return ++connections_of[client] <= limits.max_connections_per_client;
  }
  void release(const std::string& client) {
    std::lock_guard lock(clients_mutex);
    auto it = connections_of.find(client);
    if (it != connections_of.end() && --it->second == 0) connections_of.erase(it);
  }
};

namespace {

std::string error_body(std::string_view message, std::string_view rc) {
  return boost::json::serialize(boost::json::object{{"message", message}, {"rc", rc}});
}

// `head`: the answer to HEAD, the GET answer's header alone (its Content-Length included); a body
// after it would be read by a keep-alive client as the start of the next answer.
http::response<http::string_body> to_beast(HttpResponse&& r, unsigned version, bool keep_alive,
                                           bool head = false) {
  http::response<http::string_body> res{static_cast<http::status>(r.status), version};
  res.set(http::field::server, "seedgrid-gateway");
  res.set(http::field::content_type, r.content_type);
  for (const auto& [name, value] : r.headers) res.set(name, value);
  res.keep_alive(keep_alive);
  if (head) {
    res.content_length(r.body.size());
    return res;
  }
  res.body() = std::move(r.body);
  res.prepare_payload();
  return res;
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<HttpServer::State> server)
      : stream_(std::move(socket)), server_(std::move(server)) {
    // Once per connection, not per request: a keep-alive client sends thousands on one socket.
    beast::error_code ec;
    const auto peer = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = peer.address().to_string();
    // Answers and events are small writes that should leave at once: with Nagle's algorithm an
    // event written right after a stream's header waits for the client's acknowledgement.
    stream_.socket().set_option(tcp::no_delay(true), ec);
  }

  ~Session() {
    server_->release(remote_);
    server_->connections.fetch_sub(1);
  }

  const std::string& remote() const { return remote_; }

  void start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read_header(); });
  }

  // Over a connection limit: one 503 and close.
  void refuse(std::string_view why) {
    net::dispatch(stream_.get_executor(), [self = shared_from_this(), message = std::string(why)] {
      HttpResponse r{503,
                     "application/json",
                     error_body(message, "TooManyConnections"),
                     {{"Retry-After", "1"}},
                     nullptr};
      self->write(r, 11, false);
    });
  }

 private:
  void read_header() {
    parser_.emplace();
    parser_->body_limit(server_->limits.max_body_bytes);
    parser_->header_limit(16 * 1024);
    stream_.expires_after(keep_count_ == 0 ? server_->limits.header_timeout
                                           : server_->limits.idle_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (ec) return read_failed(ec);
    // A keep-alive connection was idle until now; from here the client gets the header deadline
    // for what is left and the body deadline for the body.
    stream_.expires_after(server_->limits.body_timeout);
    const auto length = parser_->content_length();
    if (length && *length > server_->limits.max_body_bytes) return too_large();
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_body(ec); });
  }

  void too_large() {
    HttpResponse r{413,
                   "application/json",
                   error_body("the request body exceeds the gateway's limit of " +
                                  std::to_string(server_->limits.max_body_bytes) + " bytes",
                              "BodyTooLarge"),
                   {},
                   nullptr};
    write(r, 11, false);
  }

  void read_failed(beast::error_code ec) {
    if (ec == http::error::body_limit) return too_large();
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset ||
        ec == net::error::eof)
      return close();
    if (ec == http::error::header_limit) {
      HttpResponse r{431,
                     "application/json",
                     error_body("the request's header (the URL included) is larger than the "
                                "gateway reads; send a shorter URL or fewer header bytes",
                                "HeaderTooLarge"),
                     {},
                     nullptr};
      return write(r, 11, false);
    }
    if (ec.category() == http::make_error_code(http::error::bad_target).category()) {
      HttpResponse r{400,
                     "application/json",
                     error_body("malformed HTTP request: " + ec.message(), "BadRequest"),
                     {},
                     nullptr};
      return write(r, 11, false);
    }
    close();
  }

  void on_body(beast::error_code ec) {
    if (ec) return read_failed(ec);
    stream_.expires_never();
    auto req = parser_->release();
    HttpRequest request;
    request.method = std::string(req.method_string());
    // HEAD is GET without the body, for every route that answers GET.
    const bool head = req.method() == http::verb::head;
    if (head) request.method = "GET";
    request.head = head;
    const std::string_view target = req.target();
    const auto q = target.find('?');
    request.path = std::string(target.substr(0, q));
    if (q != std::string_view::npos) request.query = parse_query(target.substr(q + 1));
    for (const auto& field : req) {
      std::string name(field.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      request.headers[name] = std::string(field.value());
    }
    request.body = std::move(req.body());
    request.websocket = beast::websocket::is_upgrade(req);
    if (request.websocket) upgrade_ = req;
    request.remote = remote_;
    const unsigned version = req.version();
    const bool keep_alive = req.keep_alive();
    auto self = shared_from_this();
    // dispatch, not post: a route that answers at once (most do) writes without a second trip
    // through the I/O queue; a later answer from another thread still lands on this strand.
    server_->handler(std::move(request), [self, version, keep_alive, head](HttpResponse r) {
      net::dispatch(self->stream_.get_executor(),
                    [self, version, keep_alive, head, r = std::move(r)]() mutable {
                      if (head) {
                        r.stream.reset();  // an event stream's header, no events
                        return self->write(std::move(r), version, keep_alive, true);
                      }
                      if (r.stream && r.websocket && self->upgrade_)
                        return self->start_websocket(r);
                      if (r.stream) return self->start_stream(r, version, keep_alive);
                      self->write(std::move(r), version, keep_alive);
                    });
    });
  }

  void write(HttpResponse r, unsigned version, bool keep_alive, bool head = false) {
    auto res = std::make_shared<http::response<http::string_body>>(
        to_beast(std::move(r), version, keep_alive && !server_->stopped, head));
    stream_.expires_after(server_->limits.body_timeout);
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
                        if (ec) return self->close();
                        if (!res->keep_alive()) return self->drain_then_close();
                        ++self->keep_count_;
                        self->read_header();
                      });
  }

  // After an answer that ends the connection (413, 400) the client may still be sending its body:
  // read and drop what comes (up to 64 MiB, within the body deadline) so it gets to read the
  // answer instead of a reset.
  void drain_then_close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.expires_after(server_->limits.body_timeout);
    drain_ = std::make_shared<std::array<char, 16384>>();
    drain_next(0);
  }
  void drain_next(std::size_t drained) {
    stream_.async_read_some(net::buffer(*drain_), [self = shared_from_this(), drained](
                                                      beast::error_code ec, std::size_t n) {
      if (ec || drained + n > (64u << 20)) return self->close();
      self->drain_next(drained + n);
    });
  }

  // A WebSocket: accepted on the upgrade request, then each piece as a text message; reads only
  // to answer control frames and notice the client's close.
  void start_websocket(const HttpResponse& r) {
    source_ = r.stream;
    stream_.expires_never();
    ws_ = std::make_unique<beast::websocket::stream<beast::tcp_stream>>(std::move(stream_));
    ws_->set_option(beast::websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_->text(true);
    ws_->async_accept(*upgrade_, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->close_websocket();
      self->read_websocket();
      self->next_message();
    });
  }
  void read_websocket() {
    ws_->async_read(ws_buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->close_websocket();
      self->ws_buffer_.consume(self->ws_buffer_.size());
      self->read_websocket();
    });
  }
  void next_message() {
    auto self = shared_from_this();
    source_->next([self](std::optional<std::string> piece) {
      net::post(self->ws_->get_executor(), [self, piece = std::move(piece)]() mutable {
        if (!self->source_) return;
        if (!piece) {
          self->ws_->async_close(beast::websocket::close_code::normal,
                                 [self](beast::error_code) { self->close_websocket(); });
          return;
        }
        auto data = std::make_shared<std::string>(std::move(*piece));
        self->ws_->async_write(net::buffer(*data), [self, data](beast::error_code ec, std::size_t) {
          if (ec) return self->close_websocket();
          self->next_message();
        });
      });
    });
  }
  void close_websocket() {
    if (source_) {
      source_->close();
      source_.reset();
    }
    beast::error_code ec;
    beast::get_lowest_layer(*ws_).socket().close(ec);
  }

  // A streamed body. HTTP/1.1 gets each piece as a chunk and, after the last one, the connection
  // back for the client's next request: a client that creates a request and follows its events
  // (POST with Accept: text/event-stream) then pays for no new connection per request. HTTP/1.0
  // has no chunks: the pieces go out as they come and the end of the body is the close.
  void start_stream(const HttpResponse& r, unsigned version, bool keep_alive) {
    source_ = r.stream;
    chunked_ = version >= 11;
    stream_keep_alive_ = chunked_ && keep_alive && !server_->stopped;
    auto head = std::make_shared<http::response<http::empty_body>>(
        static_cast<http::status>(r.status), version);
    head->set(http::field::server, "seedgrid-gateway");
    head->set(http::field::content_type, r.content_type);
    head->set(http::field::cache_control, "no-cache");
    for (const auto& [name, value] : r.headers) head->set(name, value);
    head->keep_alive(stream_keep_alive_);
    if (chunked_) head->chunked(true);
    auto serializer = std::make_shared<http::response_serializer<http::empty_body>>(*head);
    stream_.expires_after(server_->limits.body_timeout);
    http::async_write_header(
        stream_, *serializer,
        [self = shared_from_this(), head, serializer](beast::error_code ec, std::size_t) {
          if (ec) return self->close();
          self->next_piece();
        });
  }

  void next_piece() {
    stream_.expires_never();
    // The source holds the session until it answers (no socket operation is pending meanwhile).
    // A dead peer shows up as a failed write; a silent one is found by the source's keep-alive
    // comments, which it sends every 15 s.
    auto self = shared_from_this();
    source_->next([self](std::optional<std::string> piece) {
      net::post(self->stream_.get_executor(), [self, piece = std::move(piece)]() mutable {
        if (!self->source_) return self->close();
        if (!piece) return self->end_stream();
        auto data = std::make_shared<std::string>(std::move(*piece));
        self->stream_.expires_after(self->server_->limits.body_timeout);
        auto written = [self, data](beast::error_code ec, std::size_t) {
          if (ec) return self->close();
          self->next_piece();
        };
        if (self->chunked_)
          net::async_write(self->stream_, http::make_chunk(net::buffer(*data)), written);
        else
          net::async_write(self->stream_, net::buffer(*data), written);
      });
    });
  }

  void end_stream() {
    if (!chunked_) return close();
    source_.reset();
    stream_.expires_after(server_->limits.body_timeout);
    net::async_write(stream_, http::make_chunk_last(),
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec || !self->stream_keep_alive_ || self->server_->stopped)
                         return self->close();
                       ++self->keep_count_;
                       self->read_header();
                     });
  }

  void close() {
    if (source_) {
      source_->close();
      source_.reset();
    }
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  bool chunked_ = false;            // the stream in progress is sent as chunks
  bool stream_keep_alive_ = false;  // and the connection serves the next request after it
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<HttpServer::State> server_;
  std::shared_ptr<ChunkSource> source_;
  std::optional<http::request<http::string_body>> upgrade_;
  std::unique_ptr<beast::websocket::stream<beast::tcp_stream>> ws_;
  beast::flat_buffer ws_buffer_;
  std::shared_ptr<std::array<char, 16384>> drain_;
  std::uint64_t keep_count_ = 0;
  std::string remote_;  // the peer's address
};

void accept_next(const std::shared_ptr<HttpServer::State>& state) {
  state->acceptor.async_accept(
      net::make_strand(state->io), [state](beast::error_code ec, tcp::socket socket) {
        if (ec == net::error::operation_aborted || state->stopped) return;
        if (!ec) {
          const auto open = state->connections.fetch_add(1) + 1;
          auto session = std::make_shared<Session>(std::move(socket), state);
          const bool within_share = state->admit(session->remote());
          if (open > state->limits.max_connections)
            session->refuse("the gateway has too many open connections; retry later");
          else if (!within_share)
            session->refuse("this address has " +
                            std::to_string(state->limits.max_connections_per_client) +
                            " connections open to the gateway already; close some, or retry later");
          else
            session->start();
        }
        accept_next(state);
      });
}

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::start(const std::string& host, std::uint16_t port,
                                                      ServerLimits limits, unsigned threads,
                                                      Handler handler) {
  auto state = std::make_shared<State>();
  state->limits = limits;
  state->handler = std::move(handler);
  beast::error_code ec;
  const auto address = net::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
  if (ec) return fail("gateway listen host '", host, "' is not an IP address: ", ec.message());
  const tcp::endpoint endpoint{address, port};
  state->acceptor.open(endpoint.protocol(), ec);
  if (!ec) state->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) state->acceptor.bind(endpoint, ec);
  if (!ec) state->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return fail("the gateway cannot listen on ", host, ":", port, ": ", ec.message());
  state->port = state->acceptor.local_endpoint().port();
  accept_next(state);
  for (unsigned i = 0; i < std::max(1u, threads); ++i)
    state->threads.emplace_back([state] { state->io.run(); });
  return std::unique_ptr<HttpServer>(new HttpServer(state));
}

Result<int> http_probe(const std::string& host, std::uint16_t port, const std::string& target,
                       std::chrono::milliseconds timeout) {
  net::io_context io;
  beast::tcp_stream stream(io);
  beast::error_code ec;
  const auto address = net::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
  if (ec) return fail("'", host, "' is not an IP address");
  stream.expires_after(timeout);
  stream.connect(tcp::endpoint{address, port}, ec);
  if (ec) return fail("cannot connect to ", host, ":", port, ": ", ec.message());
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, host);
  http::write(stream, req, ec);
  if (ec) return fail("cannot send to ", host, ":", port, ": ", ec.message());
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res, ec);
  if (ec) return fail("no answer from ", host, ":", port, ": ", ec.message());
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  return static_cast<int>(res.result_int());
}

HttpServer::HttpServer(std::shared_ptr<State> state) : state_(std::move(state)) {}
HttpServer::~HttpServer() { stop(); }

std::uint16_t HttpServer::port() const { return state_->port; }
std::uint32_t HttpServer::open_connections() const { return state_->connections.load(); }

void HttpServer::stop() {
  if (state_->stopped.exchange(true)) return;
  net::post(state_->io, [state = state_] {
    beast::error_code ec;
    state->acceptor.close(ec);
  });
  state_->io.stop();
  for (auto& t : state_->threads)
    if (t.joinable()) t.join();
}

}  // namespace seedgrid::gateway
