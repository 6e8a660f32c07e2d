#include "runtime/base/protocol/canonical.hpp"

#include <bit>
#include <cstring>

namespace seedgrid::protocol {

CanonicalWriter::CanonicalWriter(std::string_view domain) { str(domain); }

CanonicalWriter& CanonicalWriter::u8(std::uint8_t v) {
  out_.push_back(v);
  return *this;
}

CanonicalWriter& CanonicalWriter::u32(std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  return *this;
}

CanonicalWriter& CanonicalWriter::u64(std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  return *this;
}

CanonicalWriter& CanonicalWriter::i64(std::int64_t v) { return u64(static_cast<std::uint64_t>(v)); }

CanonicalWriter& CanonicalWriter::boolean(bool v) { return u8(v ? 1 : 0); }

CanonicalWriter& CanonicalWriter::f32(float v) { return u32(std::bit_cast<std::uint32_t>(v)); }

CanonicalWriter& CanonicalWriter::f64(double v) { return u64(std::bit_cast<std::uint64_t>(v)); }

CanonicalWriter& CanonicalWriter::bytes(std::span<const std::uint8_t> v) {
  u64(v.size());
  out_.insert(out_.end(), v.begin(), v.end());
  return *this;
}

CanonicalWriter& CanonicalWriter::str(std::string_view v) {
  return bytes(std::span(reinterpret_cast<const std::uint8_t*>(v.data()), v.size()));
}

CanonicalWriter& CanonicalWriter::fixed(std::span<const std::uint8_t> v) {
  out_.insert(out_.end(), v.begin(), v.end());
  return *this;
}

}  // namespace seedgrid::protocol
