#include "runtime/base/link/tls_context.hpp"

#include <openssl/err.h>
#include <sys/socket.h>

#include "runtime/base/link/node_certificate.hpp"
#include "runtime/base/link/tls_transport.hpp"

namespace seedgrid::link {

using Clock = std::chrono::steady_clock;

std::string openssl_errors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? std::string("the connection closed") : out;
}

std::shared_ptr<TlsContext> TlsContext::create(const Identity& identity,
                                               int (*verify)(X509_STORE_CTX*, void*)) {
  auto tls = std::make_shared<TlsContext>();
  auto certificate = make_node_certificate(identity);
  if (!certificate) {
    tls->unusable_ = "no TLS: " + certificate.error().message;
    return tls;
  }
  SSL_CTX* ctx = SSL_CTX_new(TLS_method());
  if (!ctx || SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
      SSL_CTX_use_certificate(ctx, certificate->certificate.get()) != 1 ||
      SSL_CTX_use_PrivateKey(ctx, certificate->key.get()) != 1 ||
      SSL_CTX_check_private_key(ctx) != 1) {
    tls->unusable_ = "no TLS: OpenSSL refused the node certificate (" + openssl_errors() + ")";
    if (ctx) SSL_CTX_free(ctx);
    return tls;
  }
  // Both sides present a certificate; seedgrid's own check replaces the CA chain check (there is no
  // CA: node_certificate.hpp).
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  SSL_CTX_set_cert_verify_callback(ctx, verify, nullptr);
  SSL_CTX_set_max_cert_list(ctx, 16 * 1024);  // a node certificate is about 300 bytes
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(ctx, 0);
  // CAF's stream retries a write from a buffer that may have moved, and takes partial writes.
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  tls->ctx_ = ctx;
  return tls;
}

TlsContext::~TlsContext() {
  {
    std::lock_guard lock(watch_mutex_);
    stopping_ = true;
  }
  watch_changed_.notify_all();
  if (watchdog_.joinable()) watchdog_.join();
  if (ctx_) SSL_CTX_free(ctx_);
}

std::shared_ptr<HandshakeWatch> TlsContext::watch(int fd) {
  auto w = std::make_shared<HandshakeWatch>(
      HandshakeWatch{fd, Clock::now() + std::chrono::seconds(kHandshakeSeconds)});
  std::lock_guard lock(watch_mutex_);
  watches_.push_back(w);
  if (!watchdog_.joinable()) watchdog_ = std::thread([this] { run_watchdog(); });
  return w;
}

void TlsContext::finish(HandshakeWatch& w) {
  std::lock_guard lock(watch_mutex_);
  w.done = true;
}

bool TlsContext::expired(const HandshakeWatch& w) {
  std::lock_guard lock(watch_mutex_);
  return w.expired;
}

void TlsContext::pin(const std::string& endpoint, std::string node_id) {
  if (node_id.empty()) return;
  std::lock_guard lock(mutex_);
  pins_[endpoint] = std::move(node_id);
}

std::string TlsContext::pin_of(const std::string& endpoint) const {
  std::lock_guard lock(mutex_);
  auto it = pins_.find(endpoint);
  return it == pins_.end() ? std::string() : it->second;
}

bool TlsContext::admit(const std::string& address) {
  std::lock_guard lock(mutex_);
  auto& n = unauthenticated_[address];
  if (n >= kMaxUnauthenticatedPerAddress) return false;
  ++n;
  return true;
}

void TlsContext::release(const std::string& address) {
  std::lock_guard lock(mutex_);
  auto it = unauthenticated_.find(address);
  if (it == unauthenticated_.end()) return;
  if (--it->second == 0) unauthenticated_.erase(it);
}

std::optional<std::string> TlsContext::link_node(const std::string& caf_node,
                                                 const std::string& node_id, const void* link) {
  std::lock_guard lock(mutex_);
  auto [it, fresh] = linked_.try_emplace(caf_node, node_id, link);
  if (!fresh && it->second.first != node_id) return it->second.first;
  it->second.second = link;
  return std::nullopt;
}

void TlsContext::unlink(const void* link) {
  std::lock_guard lock(mutex_);
  std::erase_if(linked_, [&](const auto& entry) { return entry.second.second == link; });
}

std::string TlsContext::linked(const std::string& caf_node) const {
  std::lock_guard lock(mutex_);
  auto it = linked_.find(caf_node);
  return it == linked_.end() ? std::string() : it->second.first;
}

void TlsContext::note_refusal(const std::string& endpoint, std::string why) {
  std::lock_guard lock(mutex_);
  refusals_[endpoint] = std::move(why);
}

void TlsContext::clear_refusal(const std::string& endpoint) {
  std::lock_guard lock(mutex_);
  refusals_.erase(endpoint);
}

std::string TlsContext::refusal_of(const std::string& endpoint) const {
  std::lock_guard lock(mutex_);
  auto it = refusals_.find(endpoint);
  return it == refusals_.end() ? std::string() : it->second;
}

void TlsContext::run_watchdog() {
  std::unique_lock lock(watch_mutex_);
  while (!stopping_) {
    watch_changed_.wait_for(lock, std::chrono::milliseconds(500));
    const auto now = Clock::now();
    for (auto it = watches_.begin(); it != watches_.end();) {
      auto& w = **it;
      if (!w.done && now > w.deadline) {
        w.expired = true;
        w.done = true;
        ::shutdown(w.fd, SHUT_RDWR);  // the multiplexer sees the end and the session fails
      }
      it = w.done ? watches_.erase(it) : std::next(it);
    }
  }
}

}  // namespace seedgrid::link
