#pragma once
// SHA-256 (FIPS 180-4), standard library only: models/ must not depend on libsodium, and the model
// id must be computable on a GPU machine that has nothing but the CUDA toolkit.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace seedgrid {

class Sha256 {
 public:
  using Digest = std::array<std::uint8_t, 32>;

  Sha256();
  void update(std::span<const std::byte> data);
  void update(const void* data, std::size_t bytes);
  void update(std::string_view text) { update(text.data(), text.size()); }
  // Finishes the hash; the object must not be updated afterwards.
  Digest finish();

 private:
  std::array<std::uint32_t, 8> state_;
  std::array<std::uint8_t, 64> buffer_{};
  std::size_t buffered_ = 0;
  std::uint64_t total_bytes_ = 0;
};

std::string to_lower_hex(std::span<const std::uint8_t> bytes);
std::string sha256_hex(std::string_view data);

}  // namespace seedgrid
