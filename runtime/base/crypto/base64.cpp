#include "runtime/base/crypto/base64.hpp"

#include <sodium.h>

#include "runtime/base/crypto/sodium_init.hpp"

namespace seedgrid {

namespace {

constexpr int kVariant = sodium_base64_VARIANT_ORIGINAL;

}  // namespace

// By table, not through sodium_bin2base64: sodium encodes in constant time, which is for secrets,
// and what is encoded here is public (receipts, commitments, images) or already sealed. Sodium's
// took ~6.7 ns a byte here against ~0.5–1 by table, and the coordinator encodes every job's
// commitment on its own thread (bench/RESULTS.md, session 36). Decoding stays with sodium: it
// parses what others send.
std::string base64_of(std::span<const std::uint8_t> bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const std::size_t n = bytes.size();
  std::string out((n + 2) / 3 * 4, '=');
  char* o = out.data();
  std::size_t i = 0;
  for (; i + 3 <= n; i += 3, o += 4) {
    const std::uint32_t v = std::uint32_t{bytes[i]} << 16 | std::uint32_t{bytes[i + 1]} << 8 |
                            std::uint32_t{bytes[i + 2]};
    o[0] = kAlphabet[v >> 18];
    o[1] = kAlphabet[(v >> 12) & 63];
    o[2] = kAlphabet[(v >> 6) & 63];
    o[3] = kAlphabet[v & 63];
  }
  if (i < n) {  // one or two bytes left: two or three characters, then the padding
    const bool two = i + 1 < n;
    const std::uint32_t v =
        std::uint32_t{bytes[i]} << 16 | (two ? std::uint32_t{bytes[i + 1]} << 8 : 0);
    o[0] = kAlphabet[v >> 18];
    o[1] = kAlphabet[(v >> 12) & 63];
    if (two) o[2] = kAlphabet[(v >> 6) & 63];
  }
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
