#pragma once
// IEEE binary16 weights as the kernels read them (internal to kernels/cpu). A weight stored in fp16
// is widened to fp32 where a kernel packs or copies it. Widening is exact (every fp16 value is an
// fp32 value), so an op over fp16 weights computes the very bytes of the fp32 op over the same
// weights widened beforehand: storing weights as they lie on disk changes no determinism class,
// only the memory they take.
#include <bit>
#include <cstdint>

namespace seedgrid::kernels::cpu {

inline float f16_to_f32(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t rest = h & 0x7fffu;
  std::uint32_t magnitude;
  if (rest >= 0x7c00u) {  // infinity or NaN: the payload moves up with the mantissa
    magnitude = 0x7f800000u | ((rest & 0x3ffu) << 13);
  } else if (rest >= 0x0400u) {  // normal: rebias the exponent
    magnitude = (rest << 13) + ((127u - 15u) << 23);
  } else {  // zero or subnormal: mantissa · 2^-24, both factors exact in fp32
    magnitude = std::bit_cast<std::uint32_t>(static_cast<float>(rest) * 0x1p-24f);
  }
  return std::bit_cast<float>(sign | magnitude);
}

inline float widen(float v) { return v; }
inline float widen(std::uint16_t v) { return f16_to_f32(v); }

// dst[i] = f16_to_f32(src[i]) for n values, the very bits, eight at a time with F16C where the
// machine has it (f16.cpp).
void widen_row(const std::uint16_t* src, std::int64_t n, float* dst);

}  // namespace seedgrid::kernels::cpu
