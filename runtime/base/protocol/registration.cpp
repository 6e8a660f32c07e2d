#include "runtime/base/protocol/registration.hpp"

#include <sodium.h>

#include <utility>

#include "runtime/base/crypto/sodium_init.hpp"
#include "runtime/base/protocol/canonical.hpp"
#include "runtime/base/protocol/version.hpp"

namespace seedgrid::protocol {

std::string_view role_name(Role r) {
  switch (r) {
    case Role::coordinator:
      return "coordinator";
    case Role::treasury:
      return "treasury";
    case Role::worker:
      return "worker";
    case Role::validator:
      return "validator";
  }
  return "unknown";
}

std::vector<std::uint8_t> challenge_signing_bytes(const Nonce& nonce,
                                                  const PublicKey& coordinator) {
  CanonicalWriter w("seedgrid/challenge/v1");
  w.fixed(nonce).fixed(coordinator.bytes);
  return w.encoded();
}

Challenge make_challenge(const Identity& coordinator) {
  ensure_sodium();
  Challenge c;
  c.protocol = kProtocol;
  randombytes_buf(c.nonce.data(), c.nonce.size());
  c.coordinator = coordinator.public_key();
  c.coordinator_signature = coordinator.sign(challenge_signing_bytes(c.nonce, c.coordinator));
  return c;
}

bool challenge_signature_valid(const Challenge& c) {
  return verify_signature(c.coordinator, challenge_signing_bytes(c.nonce, c.coordinator),
                          c.coordinator_signature);
}

std::vector<std::uint8_t> registration_signing_bytes(const Registration& r,
                                                     const PublicKey& coordinator) {
  // v2: the name joined the signed fields (a name someone else put on a node would be a lie
  // about who renders).
  CanonicalWriter w("seedgrid/registration/v2");
  w.fixed(coordinator.bytes)
      .fixed(r.nonce)
      .u8(static_cast<std::uint8_t>(r.role))
      .fixed(r.node.bytes)
      .str(r.name);
  const Capabilities& c = r.capabilities;
  w.u64(c.models.size());
  for (const auto& m : c.models) w.str(m);
  w.u64(c.task_types.size());
  for (const auto& t : c.task_types) w.str(t);
  w.str(c.device)
      .str(c.determinism_class)
      .boolean(c.serves_fast)
      .boolean(c.serves_relaxed)
      .u32(c.max_batch)
      .u32(c.max_inflight)
      .u64(c.pixel_steps_per_second)
      .str(c.version);
  return w.encoded();
}

Registration make_registration(Role role, std::string name, const Capabilities& caps,
                               const Challenge& challenge, const Identity& node) {
  Registration r;
  r.protocol = kProtocol;
  r.role = role;
  r.node = node.public_key();
  r.name = std::move(name);
  r.capabilities = caps;
  r.nonce = challenge.nonce;
  r.signature = node.sign(registration_signing_bytes(r, challenge.coordinator));
  return r;
}

bool registration_signature_valid(const Registration& r, const PublicKey& coordinator) {
  return verify_signature(r.node, registration_signing_bytes(r, coordinator), r.signature);
}

}  // namespace seedgrid::protocol
