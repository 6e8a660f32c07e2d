// The fp16-storage class rounds every op output with round_to_f16: its fast path for the normal range
// must give exactly half_to_float(float_to_half(x)), the definition of the class's numbers.
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>

#include "models/backend/f16_storage_backend.hpp"
#include "models/tensor/half.hpp"

namespace seedgrid {
namespace {

TEST(RoundToF16, EqualsTheRoundTripThroughHalfOnEveryCheckedBitPattern) {
  // Every 1021st fp32 bit pattern (all exponents, both signs, NaNs included), plus every pattern
  // within 4096 of the edges of the fast path and of a rounding tie.
  const auto check = [](std::uint32_t bits) {
    const float x = std::bit_cast<float>(bits);
    const auto want = std::bit_cast<std::uint32_t>(half_to_float(float_to_half(x)));
    const auto got = std::bit_cast<std::uint32_t>(round_to_f16(x));
    ASSERT_EQ(got, want) << "fp32 bits 0x" << std::hex << bits;
  };
  for (std::uint64_t bits = 0; bits <= 0xffffffffu; bits += 1021)
    check(static_cast<std::uint32_t>(bits));
  for (std::uint32_t edge : {0x38800000u, 0x477ff000u, 0x477fe000u, 0x3f801000u, 0x3f803000u})
    for (std::uint32_t sign : {0u, 0x80000000u})
      for (std::uint32_t d = 0; d < 8192; ++d) check((edge - 4096 + d) | sign);
}

}  // namespace
}  // namespace seedgrid
