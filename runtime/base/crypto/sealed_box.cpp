#include "runtime/base/crypto/sealed_box.hpp"

#include <sodium.h>

#include "runtime/base/crypto/sodium_init.hpp"

namespace seedgrid {

Result<std::vector<std::uint8_t>> seal_to(const PublicKey& recipient, std::string_view plaintext) {
  ensure_sodium();
  std::uint8_t x25519[crypto_box_PUBLICKEYBYTES];
  if (crypto_sign_ed25519_pk_to_curve25519(x25519, recipient.bytes.data()) != 0)
    return fail("cannot seal to key ", recipient.hex(), ": it is not a valid Ed25519 public key");
  std::vector<std::uint8_t> box(crypto_box_SEALBYTES + plaintext.size());
  crypto_box_seal(box.data(), reinterpret_cast<const std::uint8_t*>(plaintext.data()),
                  plaintext.size(), x25519);
  return box;
}

Result<std::string> Identity::open_sealed(std::span<const std::uint8_t> box) const {
  ensure_sodium();
  if (box.size() < crypto_box_SEALBYTES)
    return fail("a sealed box is at least ", crypto_box_SEALBYTES, " bytes, got ", box.size());
  std::uint8_t pk[crypto_box_PUBLICKEYBYTES];
  std::uint8_t sk[crypto_box_SECRETKEYBYTES];
  if (crypto_sign_ed25519_pk_to_curve25519(pk, public_.bytes.data()) != 0 ||
      crypto_sign_ed25519_sk_to_curve25519(sk, secret_.data()) != 0)
    return fail("key ", node_id(), " cannot open sealed boxes");
  std::string plain(box.size() - crypto_box_SEALBYTES, '\0');
  const int opened = crypto_box_seal_open(reinterpret_cast<std::uint8_t*>(plain.data()), box.data(),
                                          box.size(), pk, sk);
  sodium_memzero(sk, sizeof sk);
  if (opened != 0)
    return fail("key ", node_id(),
                " cannot open this sealed box: it was sealed to another key or "
                "altered");
  return plain;
}

}  // namespace seedgrid
