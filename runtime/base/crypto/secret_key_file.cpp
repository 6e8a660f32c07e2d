#include "runtime/base/crypto/secret_key_file.hpp"

#include <sodium.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "runtime/base/crypto/hash.hpp"
#include "runtime/base/files/durable_file.hpp"

namespace seedgrid {

Result<void> write_secret_key_file(const std::string& path, std::string_view header,
                                   const SecretBytes& secret) {
  std::string body = std::string(header) + "\n" + to_hex(secret) + "\n";
  // Whole or not at all, and never over an existing key: a file cut short by a crash would stop
  // the node at its next start, and one lost with its folder's entry would give it a new identity.
  // A folder made for a key is the key's own: 0700 (one that exists is the operator's).
  auto written = files::write_durably(path, body, files::Existing::refuse, 0600, 0700);
  sodium_memzero(body.data(), body.size());
  if (!written) return context(written.error(), "cannot write key file ", path);
  return {};
}

Result<SecretBytes> read_secret_key_file(const std::string& path, std::string_view header,
                                         std::string_view what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return fail("cannot read key file ", path, ": ", std::strerror(errno));
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 0777));
    return fail("key file ", path, " has mode ", mode,
                "; it holds a secret key and must be 0600 (chmod 600 ", path, ")");
  }
  std::ifstream in(path);
  std::string first, secret_hex;
  if (!std::getline(in, first) || !std::getline(in, secret_hex))
    return fail("key file ", path, " is truncated: expected two lines");
  if (first != header)
    return fail("key file ", path, " starts with '", first, "', expected '", std::string(header),
                "'");
  auto raw = from_hex(secret_hex);
  SecretBytes secret{};
  if (!raw || raw->size() != secret.size())
    return fail("key file ", path, ": second line must be 64 hex digits of ", what);
  std::copy(raw->begin(), raw->end(), secret.begin());
  sodium_memzero(raw->data(), raw->size());
  return secret;
}

}  // namespace seedgrid
