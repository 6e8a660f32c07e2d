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
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

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

}  // namespace seedgrid::protocol
