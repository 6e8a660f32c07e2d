#pragma once
// What every TLS session of one actor system shares (internal to runtime/base/link, used by
// tls_transport.cpp): the OpenSSL context with the node's certificate, the pins, the count of
// unauthenticated connections per remote address, the CAF nodes linked to certified keys, why the
// last link this node opened to an endpoint was refused, and the handshake watchdog.
#include <openssl/ssl.h>

#include <chrono>
#include <condition_variable>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "runtime/base/crypto/identity.hpp"

namespace seedgrid::link {

// OpenSSL's queued errors as one line ("the connection closed" when there are none).
std::string openssl_errors();

// A connection's handshake deadline. A peer that sends nothing gives the multiplexer no event to
// check a deadline on, so a watchdog thread shuts the socket down instead (the session then fails
// and says why). The session marks it done before CAF closes the socket (the session is destroyed
// first), under the watchdog's lock, so the watchdog never touches a closed or reused descriptor.
struct HandshakeWatch {
  int fd;
  std::chrono::steady_clock::time_point deadline;
  bool done = false;
  bool expired = false;
};

class TlsContext {
 public:
  // `verify` checks a peer's certificate in place of a CA chain (node_certificate.hpp).
  static std::shared_ptr<TlsContext> create(const Identity& identity,
                                            int (*verify)(X509_STORE_CTX*, void*));
  ~TlsContext();

  std::shared_ptr<HandshakeWatch> watch(int fd);
  void finish(HandshakeWatch& w);
  bool expired(const HandshakeWatch& w);
  SSL_CTX* ctx() const { return ctx_; }
  const std::string& unusable() const { return unusable_; }

  // An empty node id leaves an earlier pin for the endpoint in place.
  void pin(const std::string& endpoint, std::string node_id);
  std::string pin_of(const std::string& endpoint) const;
  // Counts one more unauthenticated connection from `address`; false when it has its share.
  bool admit(const std::string& address);
  void release(const std::string& address);

  // The CAF node a peer announced, linked to the node id its certificate proved, for as long as
  // `link` (its session, the newest when a node reconnects) lives; the node id already linked to
  // another key when it is taken.
  std::optional<std::string> link_node(const std::string& caf_node, const std::string& node_id,
                                       const void* link);
  void unlink(const void* link);
  std::string linked(const std::string& caf_node) const;

  // Why this node refused the last link it opened to `endpoint` ("HOST:PORT"); an authenticated
  // link there clears it. A client reports it instead of "cannot reach".
  void note_refusal(const std::string& endpoint, std::string why);
  void clear_refusal(const std::string& endpoint);
  std::string refusal_of(const std::string& endpoint) const;

 private:
  void run_watchdog();

  SSL_CTX* ctx_ = nullptr;
  std::string unusable_;  // why no session can start (logged at each attempt)
  std::mutex watch_mutex_;
  std::condition_variable watch_changed_;
  std::list<std::shared_ptr<HandshakeWatch>> watches_;
  bool stopping_ = false;
  std::thread watchdog_;
  mutable std::mutex mutex_;
  std::map<std::string, std::string> pins_;
  std::map<std::string, std::size_t> unauthenticated_;
  std::map<std::string, std::pair<std::string, const void*>> linked_;  // CAF node -> (id, link)
  std::map<std::string, std::string> refusals_;                          // endpoint -> why
};

}  // namespace seedgrid::link
