#include "runtime/base/crypto/base64.hpp"

#include <sodium.h>

#include "runtime/base/crypto/sodium_init.hpp"

namespace seedgrid {

namespace {

constexpr int kVariant = sodium_base64_VARIANT_ORIGINAL;

}  // namespace

std::string base64_of(std::span<const std::uint8_t> bytes) {
  ensure_sodium();
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), kVariant), '\0');
  sodium_bin2base64(out.data(), out.size(), bytes.data(), bytes.size(), kVariant);
  out.resize(out.size() - 1);  // the terminating NUL sodium writes
  return out;
}

std::optional<std::vector<std::uint8_t>> bytes_of_base64(std::string_view text,
                                                         const char* ignore) {
  ensure_sodium();
  std::vector<std::uint8_t> out(text.size() / 4 * 3 + 3);  // never longer than this
  std::size_t length = 0;
  // Without an end pointer, sodium refuses text it cannot parse to its end.
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), ignore, &length, nullptr,
                        kVariant) != 0)
    return std::nullopt;
  out.resize(length);
  return out;
}

}  // namespace seedgrid
