#include "runtime/base/crypto/hash.hpp"

#include <sodium.h>

#include <cstdlib>
#include <vector>

#include "runtime/base/crypto/sodium_init.hpp"

namespace seedgrid {

static_assert(sizeof(crypto_generichash_state) <= 384, "Blake2b state buffer too small");

Digest blake2b(std::span<const std::uint8_t> bytes) {
  return Blake2b().update(bytes).finish();
}

Digest blake2b(std::string_view bytes) { return Blake2b().update(bytes).finish(); }

Blake2b::Blake2b() {
  ensure_sodium();
  crypto_generichash_init(reinterpret_cast<crypto_generichash_state*>(state_), nullptr, 0,
                          sizeof(Digest));
}

Blake2b& Blake2b::update(std::span<const std::uint8_t> bytes) {
  crypto_generichash_update(reinterpret_cast<crypto_generichash_state*>(state_), bytes.data(),
                            bytes.size());
  return *this;
}

Blake2b& Blake2b::update(std::string_view bytes) {
  return update(std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
}

Blake2b& Blake2b::update_u64(std::uint64_t v) {
  std::uint8_t le[8];
  for (int i = 0; i < 8; ++i) le[i] = static_cast<std::uint8_t>(v >> (8 * i));
  return update(std::span<const std::uint8_t>(le, 8));
}

Digest Blake2b::finish() {
  Digest d{};
  crypto_generichash_final(reinterpret_cast<crypto_generichash_state*>(state_), d.data(), d.size());
  return d;
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (auto b : bytes) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15]);
  }
  return out;
}

Result<std::vector<std::uint8_t>> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) return fail("hex text has an odd length (", hex.size(), " characters)");
  auto value = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::vector<std::uint8_t> out(hex.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = value(hex[2 * i]), lo = value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return fail("'", std::string(hex.substr(2 * i, 2)), "' at position ", 2 * i,
                  " is not a hex digit pair");
    out[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return out;
}

Result<Digest> digest_from_hex(std::string_view hex) {
  if (hex.size() != 64)
    return fail("a digest is 64 hex digits, got ", hex.size(), " in '", std::string(hex), "'");
  auto bytes = from_hex(hex);
  if (!bytes) return pass_on(bytes);
  Digest d{};
  std::copy(bytes->begin(), bytes->end(), d.begin());
  return d;
}

}  // namespace seedgrid
