#include "runtime/base/protocol/canonical.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

namespace seedgrid::protocol {

// Most encodings (a spec, a result's signing bytes, a commitment without its latent) fit in a few
// hundred bytes: one allocation instead of the vector doubling its way up from one byte.
CanonicalWriter::CanonicalWriter(std::string_view domain) {
  out_.reserve(512);
  str(domain);
}

CanonicalWriter& CanonicalWriter::u8(std::uint8_t v) {
  out_.push_back(v);
  return *this;
}

CanonicalWriter& CanonicalWriter::u32(std::uint32_t v) {
  std::uint8_t le[4];
  for (int i = 0; i < 4; ++i) le[i] = static_cast<std::uint8_t>(v >> (8 * i));
  out_.insert(out_.end(), le, le + 4);
  return *this;
}

CanonicalWriter& CanonicalWriter::u64(std::uint64_t v) {
  std::uint8_t le[8];
  for (int i = 0; i < 8; ++i) le[i] = static_cast<std::uint8_t>(v >> (8 * i));
  out_.insert(out_.end(), le, le + 8);
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

bool CanonicalReader::take(std::span<std::uint8_t> out, std::string_view field) {
  if (!error_ && bytes_.size() - at_ < out.size())
    refuse(field, message_of("needs ", out.size(), " bytes, ", bytes_.size() - at_, " are left"));
  if (error_) {
    std::fill(out.begin(), out.end(), std::uint8_t{0});
    return false;
  }
  std::memcpy(out.data(), bytes_.data() + at_, out.size());
  at_ += out.size();
  return true;
}

void CanonicalReader::refuse(std::string_view field, std::string_view problem) {
  if (!error_) error_ = Error{message_of(field, " at byte ", at_, ": ", problem)};
}

std::uint8_t CanonicalReader::u8(std::string_view field) { return fixed<1>(field)[0]; }

namespace {

template <class Unsigned, std::size_t N>
Unsigned little_endian(const std::array<std::uint8_t, N>& b) {
  static_assert(sizeof(Unsigned) == N);
  Unsigned v = 0;
  for (std::size_t i = 0; i < N; ++i) v |= Unsigned{b[i]} << (8 * i);
  return v;
}

}  // namespace

std::uint32_t CanonicalReader::u32(std::string_view field) {
  return little_endian<std::uint32_t>(fixed<4>(field));
}

std::uint64_t CanonicalReader::u64(std::string_view field) {
  return little_endian<std::uint64_t>(fixed<8>(field));
}

std::int64_t CanonicalReader::i64(std::string_view field) {
  return static_cast<std::int64_t>(u64(field));
}

bool CanonicalReader::boolean(std::string_view field) {
  const auto at = at_;
  const std::uint8_t v = u8(field);
  if (v > 1) {
    at_ = at;
    refuse(field, message_of("a boolean is 0 or 1, not ", int{v}));
  }
  return v == 1;
}

float CanonicalReader::f32(std::string_view field) { return std::bit_cast<float>(u32(field)); }

std::uint64_t CanonicalReader::count(std::string_view field, std::size_t element_size) {
  const auto at = at_;
  const std::uint64_t n = u64(field);
  const std::size_t left = bytes_.size() - at_;
  if (element_size > 0 && n > left / element_size) {
    at_ = at;
    refuse(field, message_of("a count of ", n, " does not fit in the ", left, " bytes left"));
    return 0;
  }
  return n;
}

std::vector<std::uint8_t> CanonicalReader::bytes(std::string_view field) {
  std::vector<std::uint8_t> out(count(field, 1));
  take(out, field);
  return out;
}

std::string CanonicalReader::str(std::string_view field) {
  const auto b = bytes(field);
  return std::string(b.begin(), b.end());
}

Result<void> CanonicalReader::finish() const {
  if (error_) return std::unexpected(*error_);
  if (at_ != bytes_.size())
    return fail(bytes_.size() - at_, bytes_.size() - at_ == 1 ? " byte is" : " bytes are",
                " left over after the last field, at byte ", at_);
  return {};
}

}  // namespace seedgrid::protocol
