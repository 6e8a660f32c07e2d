#pragma once
// Client commands (attach, cancel) are good once and only until they expire
// (runtime/base/protocol/request.hpp). This book keeps the nonce of every command the coordinator
// acted on until that command's expiry, so a copy sent again is refused as a replay; after its
// expiry the copy is refused as stale, so the nonce can be forgotten. Memory is bounded twice: by
// the expiry a command may carry (kClientCommandMaxLifetimeMs ahead at most) and by `capacity`,
// past which new commands are refused until old ones expire (a flood cannot make it forget a
// nonce that is still good). The coordinator journals each nonce it remembers, so a restart
// does not make a copied command good again.
//
// Sans-I/O like the core: the caller passes the time (Unix ms, the clock commands are dated in).
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <utility>

#include "runtime/base/protocol/error_code.hpp"
#include "runtime/base/protocol/request.hpp"

namespace seedgrid::coordinator {

class SeenCommands {
 public:
  explicit SeenCommands(std::size_t capacity = 65'536) : capacity_(capacity) {}

  // Whether `command` is fresh at `now_unix_ms`: not expired, not dated too far ahead, its nonce
  // not seen. Changes nothing (remember() once the command is acted on).
  protocol::Reply check(const protocol::ClientCommand& command, std::int64_t now_unix_ms);
  // Keeps the command's nonce until it expires.
  void remember(const protocol::ClientCommand& command);
  void remember(const PublicKey& payer, const Digest& nonce, std::int64_t expires_unix_ms);
  std::size_t size() const { return by_nonce_.size(); }

 private:
  using Nonce = std::pair<PublicKey, Digest>;  // (payer, nonce)
  void forget_expired(std::int64_t now_unix_ms);

  std::size_t capacity_;
  std::set<Nonce> by_nonce_;
  std::multimap<std::int64_t, Nonce> by_expiry_;
};

}  // namespace seedgrid::coordinator
