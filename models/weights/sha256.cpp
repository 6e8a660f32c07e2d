#include "models/weights/sha256.hpp"

#include <algorithm>
#include <cstring>

#include "models/weights/sha256_compress.hpp"

namespace seedgrid {

namespace {

void compress(std::array<std::uint32_t, 8>& state, const std::uint8_t* blocks, std::size_t count) {
  if (!sha256_detail::compress_accelerated(state, blocks, count))
    sha256_detail::compress_portable(state, blocks, count);
}

}  // namespace

Sha256::Sha256()
    : state_{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
             0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19} {}

void Sha256::update(const void* data, std::size_t bytes) {
  const auto* p = static_cast<const std::uint8_t*>(data);
  total_bytes_ += bytes;
  if (buffered_ > 0) {
    const std::size_t take = std::min(bytes, buffer_.size() - buffered_);
    std::memcpy(buffer_.data() + buffered_, p, take);
    buffered_ += take;
    p += take;
    bytes -= take;
    if (buffered_ < buffer_.size()) return;
    compress(state_, buffer_.data(), 1);
    buffered_ = 0;
  }
  const std::size_t whole = bytes / 64;
  if (whole > 0) compress(state_, p, whole);
  p += whole * 64;
  bytes -= whole * 64;
  if (bytes > 0) {
    std::memcpy(buffer_.data(), p, bytes);
    buffered_ = bytes;
  }
}

void Sha256::update(std::span<const std::byte> data) { update(data.data(), data.size()); }

Sha256::Digest Sha256::finish() {
  const std::uint64_t bits = total_bytes_ * 8;
  const std::uint8_t one = 0x80;
  update(&one, 1);
  const std::uint8_t zero = 0;
  while (buffered_ != 56) update(&zero, 1);
  std::uint8_t length[8];
  for (int i = 0; i < 8; ++i) length[i] = static_cast<std::uint8_t>(bits >> (56 - 8 * i));
  update(length, 8);
  Digest out;
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 4; ++j)
      out[static_cast<std::size_t>(4 * i + j)] =
          static_cast<std::uint8_t>(state_[static_cast<std::size_t>(i)] >> (24 - 8 * j));
  return out;
}

std::string to_lower_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (auto b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  Sha256 h;
  h.update(data);
  const auto d = h.finish();
  return to_lower_hex(d);
}

}  // namespace seedgrid
