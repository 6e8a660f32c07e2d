#include "runtime/base/link/tls_transport.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>

#include <caf/all.hpp>
#include <caf/detail/socket_guard.hpp>
#include <caf/io/all.hpp>
#include <caf/io/basp_broker.hpp>
#include <caf/io/middleman_actor_impl.hpp>
#include <caf/io/network/default_multiplexer.hpp>
#include <caf/io/network/doorman_impl.hpp>
#include <caf/io/network/stream_impl.hpp>

#include <array>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "runtime/base/link/basp_inbound.hpp"
#include "runtime/base/link/node_certificate.hpp"
#include "runtime/base/link/reachability.hpp"
#include "runtime/base/link/tls_context.hpp"
#include "runtime/base/logging/log.hpp"

#include <spdlog/spdlog.h>

namespace seedgrid::link {

namespace {

using caf::io::network::native_socket;
using caf::io::network::rw_state;
using Clock = std::chrono::steady_clock;

int session_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

// One TLS connection, driven by CAF's multiplexer through TlsPolicy.
class Session {
 public:
  enum class Side { accepting, connecting };

  Session(std::shared_ptr<TlsContext> tls, Side side, std::string peer, std::string address,
          std::string expected)
      : tls_(std::move(tls)),
        side_(side),
        peer_(std::move(peer)),
        address_(std::move(address)),
        expected_(std::move(expected)),
        started_(Clock::now()) {}
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session() {
    if (watch_) tls_->finish(*watch_);
    if (ssl_) SSL_free(ssl_);
    if (counted_) tls_->release(address_);
    tls_->unlink(this);
  }

  // Takes the counted slot of an accepted connection (released once it authenticates).
  void count_unauthenticated() { counted_ = true; }

  bool init(native_socket fd) {
    if (!tls_->ctx()) {
      refuse(tls_->unusable());
      return false;
    }
    ssl_ = SSL_new(tls_->ctx());
    if (!ssl_) return false;
    SSL_set_ex_data(ssl_, session_index(), this);
    SSL_set_fd(ssl_, fd);
    if (side_ == Side::accepting) {
      BIO* in = SSL_get_rbio(ssl_);
      BIO_set_callback_arg(in, reinterpret_cast<char*>(this));
      BIO_set_callback_ex(in, record_first_byte);
      SSL_set_accept_state(ssl_);
    } else {
      SSL_set_connect_state(ssl_);
    }
    watch_ = tls_->watch(fd);
    return true;
  }

  // Keeps the first byte a peer sent: what it speaks, when it is not TLS.
  static long record_first_byte(BIO* bio, int operation, const char* data, std::size_t, int, long,
                                int ret, std::size_t* processed) {
    if (operation == (BIO_CB_READ | BIO_CB_RETURN) && ret > 0 && processed && *processed > 0) {
      auto* s = reinterpret_cast<Session*>(BIO_get_callback_arg(bio));
      if (s && s->first_byte_ < 0) s->first_byte_ = static_cast<unsigned char>(data[0]);
    }
    return ret;
  }

  rw_state read_some(std::size_t& result, void* buf, std::size_t len) {
    return transfer(true, result, buf, len);
  }
  rw_state write_some(std::size_t& result, const void* buf, std::size_t len) {
    return transfer(false, result, const_cast<void*>(buf), len);
  }
  bool must_read_more(std::size_t threshold) {
    return static_cast<std::size_t>(SSL_pending(ssl_)) >= threshold;
  }

  // The peer's certificate, checked in the handshake (before anything reaches BASP).
  bool verify(X509* certificate) {
    auto id = certified_node_id(certificate);
    if (!id) {
      refuse(id.error().message);
      return false;
    }
    if (!expected_.empty() && *id != expected_) {
      refuse("it holds the key of node " + *id + ", not the key this node pins for it (" +
             expected_ + ")");
      return false;
    }
    peer_id_ = *id;
    return true;
  }

 private:
  void refuse(const std::string& why) {
    if (refused_) return;
    refused_ = true;
    if (side_ == Side::accepting)
      logging::logger("net")->warn("refused a connection from {} before authentication: {}", peer_,
                                   why);
    else {
      logging::logger("net")->warn("refused the node at {}: {}", peer_, why);
      tls_->note_refusal(peer_, why);
    }
  }

  // Runs the handshake until it completes; false once the peer is refused.
  bool handshake(bool& done) {
    done = false;
    if (SSL_is_init_finished(ssl_)) {
      done = true;
      return true;
    }
    if (tls_->expired(*watch_) ||
        Clock::now() - started_ > std::chrono::seconds(kHandshakeSeconds)) {
      refuse("no TLS handshake within " + std::to_string(kHandshakeSeconds) +
             " s (a client or node with network.insecure waits for the other side to speak "
             "first)");
      return false;
    }
    if (BIO_number_read(SSL_get_rbio(ssl_)) > kMaxBytesBeforeAuthentication) {
      refuse("it sent more than " + std::to_string(kMaxBytesBeforeAuthentication) +
             " bytes without completing a TLS handshake");
      return false;
    }
    ERR_clear_error();
    const int r = SSL_do_handshake(ssl_);
    if (r == 1) {
      done = true;
      tls_->finish(*watch_);
      if (counted_) {
        counted_ = false;
        tls_->release(address_);
      }
      if (side_ == Side::connecting) tls_->clear_refusal(peer_);
      logging::logger("net")->debug("TLS link with node {} at {}", peer_id_, peer_);
      return true;
    }
    const int e = SSL_get_error(ssl_, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return true;
    const std::string why = openssl_errors();
    if (side_ == Side::accepting && first_byte_ >= 0 && first_byte_ != 0x16) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02x", first_byte_);
      refuse(std::string("it does not speak TLS (its first byte is ") + hex +
             ", a TLS handshake starts with 0x16): a node or client with network.insecure, or not "
             "a seedgrid node");
      return false;
    }
    if (side_ == Side::accepting)
      refuse("the TLS handshake failed (" + why + ")");
    else
      refuse("the TLS handshake failed (" + why +
             "; does the node there run TLS, and does it accept this node?)");
    return false;
  }

  // CAF's stream contract: success with result 0 means "nothing now, poll again"; indeterminate
  // answers an empty write.
  rw_state transfer(bool reading, std::size_t& result, void* buf, std::size_t len) {
    result = 0;
    bool done = false;
    if (!handshake(done)) return rw_state::failure;
    if (!done) return (len == 0 && !reading) ? rw_state::indeterminate : rw_state::success;
    if (len == 0) return rw_state::indeterminate;
    ERR_clear_error();
    const int n = static_cast<int>(std::min<std::size_t>(len, 1u << 30));
    const int r = reading ? SSL_read(ssl_, buf, n) : SSL_write(ssl_, buf, n);
    if (r > 0) {
      result = static_cast<std::size_t>(r);
      if (reading && side_ == Side::accepting && !inbound_checked(buf, result))
        return rw_state::failure;
      return rw_state::success;
    }
    const int e = SSL_get_error(ssl_, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return rw_state::success;
    ERR_clear_error();
    return rw_state::failure;
  }

  // A key is cheap to make, so a peer that proved one is still a stranger until BASP's own
  // handshake (basp_inbound.hpp): the length its first message announces, which the middleman
  // would allocate before reading any of it, is held to the pre-authentication budget. The CAF
  // node that handshake announces is linked to the peer's certified key, so the coordinator can
  // hold a registration to the key of the link it came over (linked_node_id).
  bool inbound_checked(const void* data, std::size_t n) {
    const bool announced = !inbound_.announced_node().empty();
    auto ok = inbound_.take(static_cast<const unsigned char*>(data), n);
    if (!ok) {
      logging::logger("net")->warn("refused node {} at {}: {}", peer_id_, peer_,
                                   ok.error().message);
      return false;
    }
    if (announced || inbound_.announced_node().empty()) return true;
    if (auto other = tls_->link_node(inbound_.announced_node(), peer_id_, this)) {
      logging::logger("net")->warn(
          "refused node {} at {}: it announces the CAF node {}, which the link of node {} holds",
          peer_id_, peer_, inbound_.announced_node(), *other);
      return false;
    }
    return true;
  }

  BaspInbound inbound_{kMaxBytesBeforeAuthentication};
  std::shared_ptr<TlsContext> tls_;
  Side side_;
  std::string peer_;     // "ADDRESS:PORT", for log lines
  std::string address_;  // the remote address an accepted connection is counted under
  std::string expected_;
  std::string peer_id_;
  Clock::time_point started_;
  std::shared_ptr<HandshakeWatch> watch_;
  SSL* ssl_ = nullptr;
  bool counted_ = false;
  int first_byte_ = -1;
  bool refused_ = false;
};

int verify_certificate(X509_STORE_CTX* store, void*) {
  auto* ssl =
      static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  auto* session = ssl ? static_cast<Session*>(SSL_get_ex_data(ssl, session_index())) : nullptr;
  if (session && session->verify(X509_STORE_CTX_get0_cert(store))) return 1;
  X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
  return 0;
}

struct TlsPolicy {
  explicit TlsPolicy(std::unique_ptr<Session> s) : session(std::move(s)) {}
  rw_state read_some(std::size_t& result, native_socket, void* buf, std::size_t len) {
    return session->read_some(result, buf, len);
  }
  rw_state write_some(std::size_t& result, native_socket, const void* buf, std::size_t len) {
    return session->write_some(result, buf, len);
  }
  bool must_read_more(native_socket, std::size_t threshold) {
    return session->must_read_more(threshold);
  }
  std::unique_ptr<Session> session;
};

// CAF's scribe over a TLS stream (as libcaf_openssl's, with seedgrid's session).
class TlsScribe : public caf::io::scribe {
 public:
  TlsScribe(caf::io::network::default_multiplexer& mpx, native_socket fd,
            std::unique_ptr<Session> session)
      : scribe(caf::io::network::conn_hdl_from_socket(fd)), stream_(mpx, fd, std::move(session)) {}

  void configure_read(caf::io::receive_policy::config config) override {
    stream_.configure_read(config);
    if (!launched_) launch();
  }
  void ack_writes(bool enable) override { stream_.ack_writes(enable); }
  std::vector<char>& wr_buf() override { return stream_.wr_buf(); }
  std::vector<char>& rd_buf() override { return stream_.rd_buf(); }
  void graceful_shutdown() override {
    stream_.graceful_shutdown();
    detach(&stream_.backend(), false);
  }
  void flush() override { stream_.flush(this); }
  std::string addr() const override {
    auto x = caf::io::network::remote_addr_of_fd(stream_.fd());
    return x ? *x : std::string();
  }
  std::uint16_t port() const override {
    auto x = caf::io::network::remote_port_of_fd(stream_.fd());
    return x ? *x : 0;
  }
  void launch() {
    launched_ = true;
    stream_.start(this);
    // The handshake needs the socket polled for writing too before BASP writes anything.
    stream_.force_empty_write(this);
  }
  void add_to_loop() override { stream_.activate(this); }
  void remove_from_loop() override { stream_.passivate(); }

 private:
  bool launched_ = false;
  caf::io::network::stream_impl<TlsPolicy> stream_;
};

std::string endpoint_text(const std::string& host, std::uint16_t port) {
  return host + ":" + std::to_string(port);
}

class TlsDoorman : public caf::io::network::doorman_impl {
 public:
  TlsDoorman(caf::io::network::default_multiplexer& mpx, native_socket fd,
             std::shared_ptr<TlsContext> tls)
      : doorman_impl(mpx, fd), tls_(std::move(tls)) {}

  bool new_connection() override {
    if (detached()) return false;
    auto& mpx = acceptor_.backend();
    native_socket fd = acceptor_.accepted_socket();
    caf::detail::socket_guard guard{fd};
    caf::io::network::nonblocking(fd, true);
    auto address = caf::io::network::remote_addr_of_fd(fd);
    auto port = caf::io::network::remote_port_of_fd(fd);
    const std::string addr = address ? *address : std::string("?");
    const std::string peer = endpoint_text(addr, port ? *port : 0);
    if (!tls_->admit(addr)) {
      logging::logger("net")->warn(
          "refused a connection from {} before authentication: {} connections from {} have not "
          "completed their TLS handshake yet",
          peer, kMaxUnauthenticatedPerAddress, addr);
      return false;
    }
    auto session =
        std::make_unique<Session>(tls_, Session::Side::accepting, peer, addr, std::string());
    session->count_unauthenticated();
    if (!session->init(fd)) return false;
    auto scribe = caf::make_counted<TlsScribe>(mpx, fd, std::move(session));
    guard.release();  // the scribe owns the socket now
    auto hdl = scribe->hdl();
    parent()->add_scribe(std::move(scribe));
    return doorman::new_connection(&mpx, hdl);
  }

 private:
  std::shared_ptr<TlsContext> tls_;
};

class TlsMiddleman : public caf::io::middleman_actor_impl {
 public:
  TlsMiddleman(caf::actor_config& cfg, caf::actor default_broker, std::shared_ptr<TlsContext> tls)
      : caf::io::middleman_actor_impl(cfg, std::move(default_broker)), tls_(std::move(tls)) {}

  const char* name() const override { return "seedgrid.tls_middleman"; }

 protected:
  caf::expected<caf::io::scribe_ptr> connect(const std::string& host, std::uint16_t port) override {
    auto fd = caf::io::network::new_tcp_connection(host, port);
    if (!fd) return std::move(fd.error());
    caf::detail::socket_guard guard{*fd};
    caf::io::network::nonblocking(*fd, true);
    const std::string peer = endpoint_text(host, port);
    auto session =
        std::make_unique<Session>(tls_, Session::Side::connecting, peer, host, tls_->pin_of(peer));
    if (!session->init(*fd)) return caf::sec::cannot_connect_to_node;
    auto scribe = caf::make_counted<TlsScribe>(mpx(), *fd, std::move(session));
    guard.release();
    return scribe;
  }

  caf::expected<caf::io::doorman_ptr> open(std::uint16_t port, const char* addr,
                                           bool reuse) override {
    auto fd = caf::io::network::new_tcp_acceptor_impl(port, addr, reuse);
    if (!fd) return std::move(fd.error());
    return caf::make_counted<TlsDoorman>(mpx(), *fd, tls_);
  }

 private:
  caf::io::network::default_multiplexer& mpx() {
    return static_cast<caf::io::network::default_multiplexer&>(system().middleman().backend());
  }
  std::shared_ptr<TlsContext> tls_;
};

// The transport as a CAF module, so that the actor system starts its middleman actor after the
// middleman (the BASP broker it hands connections to) and stops it before. It takes the module
// slot of CAF's own OpenSSL module, which seedgrid does not load.
class TlsModule : public caf::actor_system::module {
 public:
  explicit TlsModule(caf::actor_system& system) : system_(system) {}

  static void add_module_options(caf::actor_system_config&) {}
  static caf::actor_system::module* make(caf::actor_system& system, caf::detail::type_list<>) {
    return new TlsModule(system);
  }

  void init(caf::actor_system_config& config) override;
  void start() override {
    actor_ = caf::actor_cast<caf::actor>(system_.spawn<TlsMiddleman, caf::detached + caf::hidden>(
        system_.middleman().named_broker<caf::io::basp_broker>(caf::atom("BASP")), tls_));
    register_module(this);
  }
  void stop() override {
    unregister_module(this);
    caf::scoped_actor self{system_, true};
    self->send_exit(actor_, caf::exit_reason::kill);
    self->wait_for(actor_);
    actor_ = nullptr;
  }
  id_t id() const override { return openssl_manager; }
  void* subtype_ptr() override { return this; }

  const caf::actor& actor() const { return actor_; }
  TlsContext& tls() { return *tls_; }

  static TlsModule* of(caf::actor_system& system) {
    std::lock_guard lock(registry_mutex());
    auto it = registry().find(&system);
    return it == registry().end() ? nullptr : it->second;
  }

  // Identities handed from load_tls_transport to init, by the config they were loaded into.
  static std::mutex& registry_mutex() {
    static std::mutex m;
    return m;
  }
  static std::map<const caf::actor_system_config*, std::shared_ptr<const Identity>>& pending() {
    static std::map<const caf::actor_system_config*, std::shared_ptr<const Identity>> p;
    return p;
  }

 private:
  static std::map<const caf::actor_system*, TlsModule*>& registry() {
    static std::map<const caf::actor_system*, TlsModule*> r;
    return r;
  }
  void register_module(TlsModule* m) {
    std::lock_guard lock(registry_mutex());
    registry()[&system_] = m;
  }
  void unregister_module(TlsModule*) {
    std::lock_guard lock(registry_mutex());
    registry().erase(&system_);
  }

  caf::actor_system& system_;
  std::shared_ptr<TlsContext> tls_;
  caf::actor actor_;
};

void TlsModule::init(caf::actor_system_config& config) {
  std::shared_ptr<const Identity> identity;
  {
    std::lock_guard lock(registry_mutex());
    auto it = pending().find(&config);
    if (it != pending().end()) {
      identity = it->second;
      pending().erase(it);
    }
  }
  // A system without a node key (a status probe) still talks TLS, as a fresh key nobody pins.
  if (!identity) identity = std::make_shared<const Identity>(Identity::generate());
  tls_ = TlsContext::create(*identity, verify_certificate);
  if (!tls_->ctx()) logging::logger("net")->error("{}", tls_->unusable());
}

}  // namespace

void load_tls_transport(caf::actor_system_config& config,
                        std::shared_ptr<const Identity> identity) {
  // OpenSSL writes to sockets without MSG_NOSIGNAL: a peer that hangs up mid-write must cost an
  // error on that connection, not the process.
  std::signal(SIGPIPE, SIG_IGN);
  {
    std::lock_guard lock(TlsModule::registry_mutex());
    TlsModule::pending()[&config] = std::move(identity);
  }
  config.load<TlsModule>();
}

caf::actor network_actor(caf::actor_system& system) {
  if (auto* m = TlsModule::of(system)) return m->actor();
  return caf::actor_cast<caf::actor>(system.middleman().actor_handle());
}

std::string refusal_from(caf::actor_system& system, const config::Endpoint& endpoint) {
  if (auto* m = TlsModule::of(system)) return m->tls().refusal_of(endpoint.text());
  return {};
}

std::string connect_failure(caf::actor_system& system, std::string_view what,
                            const config::Endpoint& endpoint, const caf::error& error,
                            std::chrono::milliseconds probe_timeout) {
  if (const std::string why = refusal_from(system, endpoint); !why.empty())
    return refused_link_message(what, endpoint, why);
  // CAF's own words (system_error(cannot_connect_to_node ...)) say nothing a user can act on.
  if (error == caf::sec::cannot_connect_to_node)
    return unreachable_message(what, endpoint, probe_timeout);
  return "cannot reach the " + std::string(what) + " at " + endpoint.text() + ": " +
         system.render(error);
}

std::string linked_node_id(caf::actor_system& system, const caf::node_id& peer) {
  if (auto* m = TlsModule::of(system)) return m->tls().linked(caf::to_string(peer));
  return {};
}

void expect_peer(caf::actor_system& system, const config::Endpoint& endpoint, std::string node_id) {
  if (auto* m = TlsModule::of(system)) m->tls().pin(endpoint.text(), std::move(node_id));
}

caf::expected<std::uint16_t> publish_actor(caf::actor_system& system, const caf::actor& actor,
                                           const config::Endpoint& where) {
  caf::scoped_actor self{system};
  caf::expected<std::uint16_t> out{caf::sec::cannot_open_port};
  self->request(network_actor(system), caf::infinite, caf::publish_atom::value, where.port,
                caf::actor_cast<caf::strong_actor_ptr>(actor), std::set<std::string>{}, where.host,
                true)
      .receive([&](std::uint16_t port) { out = port; }, [&](caf::error& err) { out = err; });
  return out;
}

caf::expected<caf::actor> remote_actor(caf::actor_system& system, const config::Endpoint& endpoint,
                                       std::string node_id) {
  expect_peer(system, endpoint, std::move(node_id));
  caf::scoped_actor self{system};
  caf::expected<caf::actor> out{caf::sec::cannot_connect_to_node};
  // CAF 0.17's BASP broker gives a connection it opens no "last seen" time until the peer's
  // handshake arrives, so a heartbeat tick that falls within the TLS and BASP handshakes closes it
  // at once as timed out: a one-shot command (seedgrid status, a test's client) then failed with
  // "system_error(connection_timeout)" although the peer was up. A long-lived link reconnects on
  // its own; here the connect is tried again, and a peer that really stays silent fails every
  // attempt the same way.
  constexpr int kAttempts = 3;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    self->request(network_actor(system), caf::infinite, caf::connect_atom::value, endpoint.host,
                  endpoint.port)
        .receive(
            [&](const caf::node_id&, caf::strong_actor_ptr& ptr, const std::set<std::string>&) {
              if (ptr)
                out = caf::actor_cast<caf::actor>(ptr);
              else
                out = caf::make_error(caf::sec::no_actor_published_at_port, endpoint.port);
            },
            [&](caf::error& err) { out = err; });
    if (out || out.error() != caf::sec::connection_timeout) break;
  }
  return out;
}

}  // namespace seedgrid::link
