#pragma once
// A node's identity: an Ed25519 key pair (libsodium). The node id is the public key in hex.
// The key file holds the 32-byte secret seed and is created with mode 0600 on first use.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "models/result.hpp"

namespace seedgrid {

struct PublicKey {
  std::array<std::uint8_t, 32> bytes{};
  std::string hex() const;
  static Result<PublicKey> from_hex(std::string_view hex);
  auto operator<=>(const PublicKey&) const = default;
};

using Signature = std::array<std::uint8_t, 64>;

class Identity {
 public:
  static Identity generate();
  static Identity from_seed(const std::array<std::uint8_t, 32>& seed);
  // Reads the key file; refuses one that others can read (mode wider than 0600) or is malformed.
  static Result<Identity> load(const std::string& path);
  // Loads the key file, or creates it (and its directory) when it does not exist.
  static Result<Identity> load_or_create(const std::string& path);
  // Writes the key file with mode 0600; refuses to overwrite an existing one.
  Result<void> save(const std::string& path) const;

  const PublicKey& public_key() const { return public_; }
  std::string node_id() const { return public_.hex(); }
  // The 32-byte secret seed: only for making this key's TLS certificate (runtime/base/link/).
  const std::array<std::uint8_t, 32>& secret_seed() const { return seed_; }
  Signature sign(std::span<const std::uint8_t> message) const;
  Signature sign(std::string_view message) const;
  // Opens a box sealed to this key (crypto/sealed_box.hpp); an error when it was sealed to
  // another key or altered.
  Result<std::string> open_sealed(std::span<const std::uint8_t> box) const;

 private:
  std::array<std::uint8_t, 32> seed_{};
  std::array<std::uint8_t, 64> secret_{};
  PublicKey public_;
};

bool verify_signature(const PublicKey& key, std::span<const std::uint8_t> message,
                      const Signature& signature);
bool verify_signature(const PublicKey& key, std::string_view message, const Signature& signature);

Result<Signature> signature_from_hex(std::string_view hex);

}  // namespace seedgrid
