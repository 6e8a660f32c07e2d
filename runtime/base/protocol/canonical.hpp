#pragma once
// Canonical byte encodings of what seedgrid hashes or signs. Every encoding starts with a domain
// tag ("seedgrid/job-result/v1"), so a signature over one kind of message can never be replayed as
// another, then the fields in the fixed order written in its encode function:
//   integers   little-endian at their stated width (u8, u32, u64; i64 as two's complement u64)
//   booleans   one byte, 0 or 1
//   floats     the IEEE-754 bits as u32 (so -0.0 and NaN payloads are distinguished, never rounded)
//   bytes      u64 length, then the bytes; strings the same with their UTF-8 bytes
//   sequences  u64 count, then each element
// No maps or sets with unspecified order ever reach an encoder.
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "models/result.hpp"
#include "runtime/base/crypto/hash.hpp"

namespace seedgrid::protocol {

class CanonicalWriter {
 public:
  explicit CanonicalWriter(std::string_view domain);

  CanonicalWriter& u8(std::uint8_t v);
  CanonicalWriter& u32(std::uint32_t v);
  CanonicalWriter& u64(std::uint64_t v);
  CanonicalWriter& i64(std::int64_t v);
  CanonicalWriter& boolean(bool v);
  CanonicalWriter& f32(float v);
  CanonicalWriter& f64(double v);
  CanonicalWriter& bytes(std::span<const std::uint8_t> v);
  CanonicalWriter& str(std::string_view v);
  // A fixed-size field (digest, key, nonce): no length prefix, its size is part of the format.
  CanonicalWriter& fixed(std::span<const std::uint8_t> v);

  const std::vector<std::uint8_t>& encoded() const { return out_; }
  Digest digest() const { return blake2b(out_); }

 private:
  std::vector<std::uint8_t> out_;
};

// Reads back what a CanonicalWriter wrote, field by field in the same order, for the encodings
// that are stored and not only hashed. The first field that does not fit records an error naming
// it and its byte offset; every read after it returns a zero value, so a decoder reads straight
// through and asks finish() once. A length or count is checked against the bytes left before
// anything is allocated for it.
class CanonicalReader {
 public:
  explicit CanonicalReader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  std::uint8_t u8(std::string_view field);
  std::uint32_t u32(std::string_view field);
  std::uint64_t u64(std::string_view field);
  std::int64_t i64(std::string_view field);
  bool boolean(std::string_view field);
  float f32(std::string_view field);
  std::vector<std::uint8_t> bytes(std::string_view field);
  std::string str(std::string_view field);
  template <std::size_t N>
  std::array<std::uint8_t, N> fixed(std::string_view field) {
    std::array<std::uint8_t, N> out{};
    take(out, field);
    return out;
  }
  // A sequence's count, refused when its elements (each at least `element_size` bytes) could
  // not fit in what is left.
  std::uint64_t count(std::string_view field, std::size_t element_size);

  // The error of the first field that did not fit so far, if one did not.
  const std::optional<Error>& error() const { return error_; }
  // The error of the first field that did not fit, or of bytes left over after the last.
  Result<void> finish() const;

 private:
  bool take(std::span<std::uint8_t> out, std::string_view field);
  void refuse(std::string_view field, std::string_view problem);

  std::span<const std::uint8_t> bytes_;
  std::size_t at_ = 0;
  std::optional<Error> error_;
};

}  // namespace seedgrid::protocol
