#pragma once
// Symmetric encryption of text a node keeps at rest (libsodium's XSalsa20-Poly1305 secretbox): the
// coordinator's journal stores prompts sealed with it, so a copy of the journal (a backup, a
// stolen disk image without the key directory) does not reveal what users asked for.
//
// The key lives in its own file, 0600 from the first byte, written once and refused when anyone
// but the owner may read it (as node keys are). A sealed text is "sgbox2:" followed by the base64 of
// a 24-byte nonce and the ciphertext with its 16-byte tag ("sgbox1:" and hex, as earlier
// releases wrote, still opens); open() refuses any other form and any text whose tag does not
// verify, naming what it expected.
//
// A nonce is 16 random bytes drawn when the box is loaded, then a count of the box's seals: unique
// for the key as long as two loads never draw the same 16 bytes (2^-128 a pair), and without a
// system call per seal (the coordinator seals two prompts at every submit). Copies of a box share
// its count.
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "models/result.hpp"

namespace seedgrid {

class SecretBox {
 public:
  // Reads the key at `path`, or creates it (and its folder) when there is none.
  static Result<SecretBox> load_or_create(const std::string& path);

  std::string seal(std::string_view plaintext) const;
  Result<std::string> open(std::string_view sealed) const;
  // True for text in the sealed form (whatever key sealed it).
  static bool is_sealed(std::string_view text);

 private:
  struct Nonces;
  std::array<std::uint8_t, 32> key_{};
  std::shared_ptr<Nonces> nonces_;
};

}  // namespace seedgrid
