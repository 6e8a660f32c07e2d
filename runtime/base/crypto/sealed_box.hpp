#pragma once
// Sealed boxes (libsodium's crypto_box_seal) addressed to a node key: anyone can seal to an
// Ed25519 public key (through its X25519 twin), and only the holder of the secret key opens
// (Identity::open_sealed). A private request's receipt carries its prompt and seed this way, so
// the receipt can be kept, shared or published without showing them.
#include <cstdint>
#include <string_view>
#include <vector>

#include "runtime/base/crypto/identity.hpp"

namespace seedgrid {

// Fails only for a public key that is not a valid Ed25519 point.
Result<std::vector<std::uint8_t>> seal_to(const PublicKey& recipient, std::string_view plaintext);

}  // namespace seedgrid
