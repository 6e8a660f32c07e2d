#include "runtime/base/crypto/identity.hpp"

#include <sodium.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "runtime/base/crypto/hash.hpp"
#include "runtime/base/crypto/secret_key_file.hpp"
#include "runtime/base/crypto/sodium_init.hpp"

namespace seedgrid {

namespace {
constexpr std::string_view kKeyFileHeader = "seedgrid-ed25519-seed-v1";
}

std::string PublicKey::hex() const { return to_hex(bytes); }

Result<PublicKey> PublicKey::from_hex(std::string_view hex) {
  if (hex.size() != 64)
    return fail("a public key is 64 hex digits, got ", hex.size(), " in '", std::string(hex), "'");
  auto raw = seedgrid::from_hex(hex);
  if (!raw) return context(raw.error(), "public key");
  PublicKey k;
  std::copy(raw->begin(), raw->end(), k.bytes.begin());
  return k;
}

Identity Identity::generate() {
  ensure_sodium();
  std::array<std::uint8_t, 32> seed;
  randombytes_buf(seed.data(), seed.size());
  return from_seed(seed);
}

Identity Identity::from_seed(const std::array<std::uint8_t, 32>& seed) {
  ensure_sodium();
  Identity id;
  id.seed_ = seed;
  crypto_sign_seed_keypair(id.public_.bytes.data(), id.secret_.data(), seed.data());
  return id;
}

Result<Identity> Identity::load(const std::string& path) {
  auto seed = read_secret_key_file(path, kKeyFileHeader, "secret seed");
  if (!seed) return pass_on(seed);
  return from_seed(*seed);
}

Result<Identity> Identity::load_or_create(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) return load(path);
  Identity id = generate();
  if (auto saved = id.save(path); !saved) return pass_on(saved);
  return id;
}

Result<void> Identity::save(const std::string& path) const {
  return write_secret_key_file(path, kKeyFileHeader, seed_);
}

Signature Identity::sign(std::span<const std::uint8_t> message) const {
  Signature sig;
  crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), secret_.data());
  return sig;
}

Signature Identity::sign(std::string_view message) const {
  return sign(std::span(reinterpret_cast<const std::uint8_t*>(message.data()), message.size()));
}

bool verify_signature(const PublicKey& key, std::span<const std::uint8_t> message,
                      const Signature& signature) {
  ensure_sodium();
  return crypto_sign_verify_detached(signature.data(), message.data(), message.size(),
                                     key.bytes.data()) == 0;
}

bool verify_signature(const PublicKey& key, std::string_view message, const Signature& signature) {
  return verify_signature(
      key, std::span(reinterpret_cast<const std::uint8_t*>(message.data()), message.size()),
      signature);
}

Result<Signature> signature_from_hex(std::string_view hex) {
  if (hex.size() != 128)
    return fail("a signature is 128 hex digits, got ", hex.size());
  auto raw = from_hex(hex);
  if (!raw) return context(raw.error(), "signature");
  Signature s;
  std::copy(raw->begin(), raw->end(), s.begin());
  return s;
}

}  // namespace seedgrid
