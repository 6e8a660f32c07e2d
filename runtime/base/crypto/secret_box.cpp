#include "runtime/base/crypto/secret_box.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "runtime/base/crypto/hash.hpp"
#include "runtime/base/crypto/secret_key_file.hpp"
#include "runtime/base/crypto/sodium_init.hpp"

namespace seedgrid {

namespace {

constexpr std::string_view kKeyFileHeader = "seedgrid-secretbox-key-v1";
constexpr std::string_view kSealedPrefix = "sgbox1:";

}  // namespace

Result<SecretBox> SecretBox::load_or_create(const std::string& path) {
  ensure_sodium();
  SecretBox box;
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
  randombytes_buf(out.data(), crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(out.data() + crypto_secretbox_NONCEBYTES,
                        reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
                        out.data(), key_.data());
  return std::string(kSealedPrefix) + to_hex(out);
}

bool SecretBox::is_sealed(std::string_view text) { return text.starts_with(kSealedPrefix); }

Result<std::string> SecretBox::open(std::string_view sealed) const {
  if (!is_sealed(sealed))
    return fail("sealed text must start with '", std::string(kSealedPrefix), "'");
  auto raw = from_hex(sealed.substr(kSealedPrefix.size()));
  if (!raw || raw->size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
    return fail("sealed text is not hex of a nonce, a tag and a ciphertext");
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
