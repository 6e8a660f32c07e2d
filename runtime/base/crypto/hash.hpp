#pragma once
// Content hashes: BLAKE2b-256 (RFC 7693, libsodium's bytes) for everything seedgrid hashes or
// signs — journal entries, results, trajectory leaves — and hex for showing them to people.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "models/result.hpp"

namespace seedgrid {

using Digest = std::array<std::uint8_t, 32>;

Digest blake2b(std::span<const std::uint8_t> bytes);
Digest blake2b(std::string_view bytes);

// Streaming form, for hashing several fields without concatenating them first.
class Blake2b {
 public:
  Blake2b();
  Blake2b& update(std::span<const std::uint8_t> bytes);
  Blake2b& update(std::string_view bytes);
  // Integers are hashed little-endian at a fixed width so the digest is the same on every host.
  Blake2b& update_u64(std::uint64_t v);
  Digest finish();

 private:
  alignas(64) std::uint8_t state_[384];
};

// The digest's first eight bytes as a little-endian integer: a uniform 64-bit draw from whatever
// was hashed (audit sampling, audit plans, the steps an audit re-runs), the same on every host.
std::uint64_t first_word(const Digest& d);

std::string to_hex(std::span<const std::uint8_t> bytes);
// Accepts exactly 2*N hex digits; the error names what was wrong and the offending text.
Result<std::vector<std::uint8_t>> from_hex(std::string_view hex);
Result<Digest> digest_from_hex(std::string_view hex);

}  // namespace seedgrid
