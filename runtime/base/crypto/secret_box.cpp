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
#include "runtime/base/crypto/sodium_init.hpp"

namespace seedgrid {

namespace {

constexpr std::string_view kKeyFileHeader = "seedgrid-secretbox-key-v1";
constexpr std::string_view kSealedPrefix = "sgbox1:";

Result<void> create_key_file(const std::string& path, const std::array<std::uint8_t, 32>& key) {
  std::error_code ec;
  const auto dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  if (ec) return fail("cannot create directory ", dir.string(), ": ", ec.message());
  // O_EXCL: never replace a key that sealed data; 0600 from the first byte written.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return fail("cannot create key file ", path, ": ", std::strerror(errno));
  const std::string body = std::string(kKeyFileHeader) + "\n" + to_hex(key) + "\n";
  const bool ok = ::write(fd, body.data(), body.size()) == static_cast<ssize_t>(body.size()) &&
                  ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return fail("cannot write key file ", path, ": ", std::strerror(errno));
  return {};
}

}  // namespace

Result<SecretBox> SecretBox::load_or_create(const std::string& path) {
  ensure_sodium();
  SecretBox box;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) return fail("cannot read key file ", path, ": ", std::strerror(errno));
    crypto_secretbox_keygen(box.key_.data());
    if (auto made = create_key_file(path, box.key_); !made) return std::unexpected(made.error());
    return box;
  }
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 0777));
    return fail("key file ", path, " has mode ", mode,
                "; it holds a secret key and must be 0600 (chmod 600 ", path, ")");
  }
  std::ifstream in(path);
  std::string header, key_hex;
  if (!std::getline(in, header) || !std::getline(in, key_hex))
    return fail("key file ", path, " is truncated: expected two lines");
  if (header != kKeyFileHeader)
    return fail("key file ", path, " starts with '", header, "', expected '",
                std::string(kKeyFileHeader), "'");
  auto raw = from_hex(key_hex);
  if (!raw || raw->size() != box.key_.size())
    return fail("key file ", path, ": second line must be 64 hex digits of secret key");
  std::copy(raw->begin(), raw->end(), box.key_.begin());
  sodium_memzero(raw->data(), raw->size());
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
