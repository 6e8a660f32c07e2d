#pragma once
// How a worker or validator proves its key to the coordinator: it says hello, the coordinator
// answers with a fresh random challenge (signed by the coordinator, so a node that pins the
// coordinator's key knows whom it talks to), and the node signs the challenge together with its
// role, configured name and capabilities. Only then are its results and verdicts accepted.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/base/crypto/hash.hpp"
#include "runtime/base/crypto/identity.hpp"
#include "runtime/base/protocol/error_code.hpp"

namespace seedgrid::protocol {

enum class Role : std::uint8_t { coordinator = 0, treasury = 1, worker = 2, validator = 3 };
std::string_view role_name(Role r);

using Nonce = std::array<std::uint8_t, 32>;

// What a worker (or validator) offers. Speed is measured by the node at start-up.
struct Capabilities {
  std::vector<std::string> models;      // model ids, sorted
  std::vector<std::string> task_types;  // sorted
  std::string device;                   // "cpu", "cuda:0 NVIDIA H100"
  std::string determinism_class;
  bool serves_fast = true;
  bool serves_relaxed = true;
  std::uint32_t max_batch = 1;
  std::uint32_t max_inflight = 1;  // jobs the coordinator may have outstanding on it
  std::uint64_t pixel_steps_per_second = 0;
  std::string version;  // seedgrid version string of the node
};

struct Challenge {
  std::uint32_t protocol = 0;  // the coordinator's (version.hpp)
  Nonce nonce{};
  PublicKey coordinator;
  Signature coordinator_signature{};  // over challenge_signing_bytes
};

struct Registration {
  std::uint32_t protocol = 0;  // the node's (version.hpp); the coordinator refuses another
  Role role = Role::worker;
  PublicKey node;
  std::string name;  // its configured name ($.node.name; node_name.hpp says what is allowed)
  Capabilities capabilities;
  Nonce nonce{};
  Signature signature{};
};

struct RegistrationAck {
  Reply outcome;  // not ok: refused (bad signature, expired challenge, ...)
  PublicKey coordinator;
  bool fast_tier = false;  // whether the coordinator lets this node serve the fast tier
  std::string note;        // e.g. why fast was not granted
};

std::vector<std::uint8_t> challenge_signing_bytes(const Nonce& nonce, const PublicKey& coordinator);
Challenge make_challenge(const Identity& coordinator);  // fresh random nonce
bool challenge_signature_valid(const Challenge& c);

std::vector<std::uint8_t> registration_signing_bytes(const Registration& r,
                                                     const PublicKey& coordinator);
Registration make_registration(Role role, std::string name, const Capabilities& caps,
                               const Challenge& challenge, const Identity& node);
bool registration_signature_valid(const Registration& r, const PublicKey& coordinator);

}  // namespace seedgrid::protocol
