#include "runtime/base/crypto/secret_key_file.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "runtime/base/crypto/hash.hpp"

namespace seedgrid {

Result<void> write_secret_key_file(const std::string& path, std::string_view header,
                                   const SecretBytes& secret) {
  std::error_code ec;
  const auto dir = std::filesystem::path(path).parent_path();
  if (!dir.empty() && !std::filesystem::exists(dir, ec)) {
    // A directory made for a key is the key's own: 0700 (one that exists is the operator's).
    std::filesystem::create_directories(dir, ec);
    if (!ec)
      std::filesystem::permissions(dir, std::filesystem::perms::owner_all,
                                   std::filesystem::perm_options::replace, ec);
  }
  if (ec) return fail("cannot create directory ", dir.string(), ": ", ec.message());
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return fail("cannot create key file ", path, ": ", std::strerror(errno));
  const std::string body = std::string(header) + "\n" + to_hex(secret) + "\n";
  const bool ok = ::write(fd, body.data(), body.size()) == static_cast<ssize_t>(body.size()) &&
                  ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return fail("cannot write key file ", path, ": ", std::strerror(errno));
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
