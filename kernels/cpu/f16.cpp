#include "kernels/cpu/f16.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace seedgrid::kernels::cpu {
namespace {

void widen_row_scalar(const std::uint16_t* src, std::int64_t n, float* dst) {
  for (std::int64_t i = 0; i < n; ++i) dst[i] = f16_to_f32(src[i]);
}

#if defined(__x86_64__)
// VCVTPH2PS is exact for every finite value and infinity, like f16_to_f32, but it quiets a
// signalling NaN where f16_to_f32 keeps its payload as it is: a group of eight holding any NaN is
// widened by the scalar code, so the bits are f16_to_f32's for every input.
__attribute__((target("avx,f16c"))) void widen_row_f16c(const std::uint16_t* src, std::int64_t n,
                                                        float* dst) {
  const __m128i magnitude = _mm_set1_epi16(0x7fff), infinity = _mm_set1_epi16(0x7c00);
  std::int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i));
    const __m128i nan = _mm_cmpgt_epi16(_mm_and_si128(h, magnitude), infinity);
    if (_mm_movemask_epi8(nan) != 0)
      widen_row_scalar(src + i, 8, dst + i);
    else
      _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(h));
  }
  widen_row_scalar(src + i, n - i, dst + i);
}

bool has_f16c() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx") && __builtin_cpu_supports("f16c");
}
#endif

}  // namespace

void widen_row(const std::uint16_t* src, std::int64_t n, float* dst) {
#if defined(__x86_64__)
  static const bool f16c = has_f16c();
  if (f16c) return widen_row_f16c(src, n, dst);
#endif
  widen_row_scalar(src, n, dst);
}

}  // namespace seedgrid::kernels::cpu
