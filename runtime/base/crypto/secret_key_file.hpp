#pragma once
// The file form of a 32-byte secret (a node's Ed25519 seed, a secretbox key): a header line naming
// what it holds, then the secret in hex. Written once, whole, 0600 from the first byte, and never
// over an existing file (a secret that already signed or sealed something is never replaced:
// files/durable_file.hpp); refused on reading when anyone but the owner may read it, with the chmod
// that fixes it.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "models/result.hpp"

namespace seedgrid {

using SecretBytes = std::array<std::uint8_t, 32>;

// Creates the file (and its folder).
Result<void> write_secret_key_file(const std::string& path, std::string_view header,
                                   const SecretBytes& secret);
// `what` names the secret in errors ("secret seed", "secret key").
Result<SecretBytes> read_secret_key_file(const std::string& path, std::string_view header,
                                         std::string_view what);

}  // namespace seedgrid
