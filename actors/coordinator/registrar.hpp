#pragma once
// The coordinator's side of registration: it hands out fresh challenges and accepts a registration
// only when it answers an outstanding, unexpired challenge that has not been used before, signed by
// the key the node claims. Then the actor that sent it is bound to that key.
#include <cstdint>
#include <map>

#include "runtime/base/crypto/identity.hpp"
#include "runtime/base/protocol/error_code.hpp"
#include "runtime/base/protocol/registration.hpp"

namespace seedgrid::coordinator {

class Registrar {
 public:
  // At most this many challenges are outstanding; the oldest are forgotten first.
  static constexpr std::size_t kMaxOutstanding = 4096;

  Registrar(const Identity& coordinator, std::int64_t ttl_ms);

  protocol::Challenge issue(std::int64_t now_ms);
  // Consumes the challenge whether or not the registration verifies (one try per challenge).
  protocol::Reply verify(const protocol::Registration& registration, std::int64_t now_ms);
  std::size_t outstanding() const { return expiry_.size(); }

 private:
  const Identity& coordinator_;
  std::int64_t ttl_ms_;
  std::map<protocol::Nonce, std::int64_t> expiry_;
  std::multimap<std::int64_t, protocol::Nonce> by_expiry_;
};

}  // namespace seedgrid::coordinator
