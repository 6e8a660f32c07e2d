#pragma once
// Deterministic pseudo-random bytes from a 32-byte key: ChaCha20 (libsodium, IETF, zero nonce),
// the same bytes on every host. For content that must be cheap to make and exactly reproducible
// by whoever knows the key (the instant task's pixels), never for secrecy: one key, one stream.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "runtime/base/crypto/hash.hpp"

namespace seedgrid {

std::vector<std::uint8_t> keystream(const Digest& key, std::size_t size);

}  // namespace seedgrid
