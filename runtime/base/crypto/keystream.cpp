#include "runtime/base/crypto/keystream.hpp"

#include <sodium.h>

#include <array>

#include "runtime/base/crypto/sodium_init.hpp"

namespace seedgrid {

static_assert(crypto_stream_chacha20_ietf_KEYBYTES == std::tuple_size_v<Digest>);

std::vector<std::uint8_t> keystream(const Digest& key, std::size_t size) {
  ensure_sodium();
  std::vector<std::uint8_t> out(size);
  const std::array<std::uint8_t, crypto_stream_chacha20_ietf_NONCEBYTES> nonce{};
  crypto_stream_chacha20_ietf(out.data(), out.size(), nonce.data(), key.data());
  return out;
}

}  // namespace seedgrid
