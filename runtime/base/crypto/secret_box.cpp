#include "runtime/base/crypto/secret_box.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <vector>

#include "runtime/base/crypto/base64.hpp"
#include "runtime/base/crypto/hash.hpp"
#include "runtime/base/crypto/secret_key_file.hpp"
#include "runtime/base/crypto/sodium_init.hpp"

namespace seedgrid {

namespace {

constexpr std::string_view kKeyFileHeader = "seedgrid-secretbox-key-v1";
// v2: base64, a third shorter than v1's hex (a sealed receipt with a final latent is ~175 KiB in
// hex). v1 text, in journals written before, still opens.
constexpr std::string_view kSealedPrefix = "sgbox2:";
constexpr std::string_view kHexSealedPrefix = "sgbox1:";

}  // namespace

struct SecretBox::Nonces {
  static_assert(crypto_secretbox_NONCEBYTES == 24);
  std::array<std::uint8_t, 16> prefix{};
  std::atomic<std::uint64_t> sealed{0};
};

Result<SecretBox> SecretBox::load_or_create(const std::string& path) {
  ensure_sodium();
  SecretBox box;
  box.nonces_ = std::make_shared<Nonces>();
  randombytes_buf(box.nonces_->prefix.data(), box.nonces_->prefix.size());
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    crypto_secretbox_keygen(box.key_.data());
    if (auto made = write_secret_key_file(path, kKeyFileHeader, box.key_); !made)
      return pass_on(made);
    return box;
  }
  auto key = read_secret_key_file(path, kKeyFileHeader, "secret key");
  if (!key) return pass_on(key);
  box.key_ = *key;
  return box;
}

std::string SecretBox::seal(std::string_view plaintext) const {
  std::vector<std::uint8_t> out(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES +
                                plaintext.size());
  std::copy(nonces_->prefix.begin(), nonces_->prefix.end(), out.begin());
  const std::uint64_t count = nonces_->sealed.fetch_add(1, std::memory_order_relaxed);
  for (int i = 0; i < 8; ++i) out[16 + i] = static_cast<std::uint8_t>(count >> (8 * i));
  crypto_secretbox_easy(out.data() + crypto_secretbox_NONCEBYTES,
                        reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
                        out.data(), key_.data());
  return std::string(kSealedPrefix) + base64_of(out);
}

bool SecretBox::is_sealed(std::string_view text) {
  return text.starts_with(kSealedPrefix) || text.starts_with(kHexSealedPrefix);
}

Result<std::string> SecretBox::open(std::string_view sealed) const {
  if (!is_sealed(sealed))
    return fail("sealed text must start with '", std::string(kSealedPrefix), "' (or '",
                std::string(kHexSealedPrefix), "', as earlier releases wrote)");
  const bool hex = sealed.starts_with(kHexSealedPrefix);
  const std::string_view body = sealed.substr(kSealedPrefix.size());
  std::optional<std::vector<std::uint8_t>> raw;
  if (hex) {
    if (auto h = from_hex(body)) raw = std::move(*h);
  } else {
    raw = bytes_of_base64(body);
  }
  if (!raw || raw->size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
    return fail("sealed text is not ", hex ? "hex" : "base64",
                " of a nonce, a tag and a ciphertext");
  std::string plain(raw->size() - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(
          reinterpret_cast<unsigned char*>(plain.data()), raw->data() + crypto_secretbox_NONCEBYTES,
          raw->size() - crypto_secretbox_NONCEBYTES, raw->data(), key_.data()) != 0)
    return fail(
        "sealed text does not open with this key (another key sealed it, or it was "
        "changed)");
  return plain;
}

}  // namespace seedgrid
