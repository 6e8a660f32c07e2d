// The register-tiled heart of gemm::run, once per instruction set. Every version computes each
// element of the tile the same way: acc = +0 (or C), then acc = acc + a·b for k ascending, the
// product and the sum each rounded to fp32 (no fused multiply-add: -ffp-contract=off, and the
// AVX2 and AVX-512 versions are compiled without FMA). Wider registers only put more columns in one
// instruction, so the bytes are the same on every machine and the determinism class does not
// name an instruction set.
#include <atomic>

#include "kernels/cpu/gemm.hpp"
#include "kernels/cpu/simd.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace seedgrid::kernels::cpu::gemm {
namespace {

static_assert(kMr == 12 && kNr == 16, "the micro-kernels are written for a 12 x 16 tile");

// Six rows and eight columns of the tile (a and b point at the first of each; panels are kMr rows
// and kNr columns wide) with 4-float vectors of the compiler's generic vector type (any target);
// the portable kernel runs it for each quarter of the tile.
void quarter_tile_portable(i64 kc, const float* a, const float* b, float* c, i64 ldc,
                        bool accumulate) {
  v4 c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
  if (accumulate) {
    c00 = load4(c + 0 * ldc), c01 = load4(c + 0 * ldc + 4);
    c10 = load4(c + 1 * ldc), c11 = load4(c + 1 * ldc + 4);
    c20 = load4(c + 2 * ldc), c21 = load4(c + 2 * ldc + 4);
    c30 = load4(c + 3 * ldc), c31 = load4(c + 3 * ldc + 4);
    c40 = load4(c + 4 * ldc), c41 = load4(c + 4 * ldc + 4);
    c50 = load4(c + 5 * ldc), c51 = load4(c + 5 * ldc + 4);
  } else {
    c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = v4{};
  }
  for (i64 p = 0; p < kc; ++p) {
    const v4 b0 = load4(b), b1 = load4(b + 4);
    v4 ai = splat(a[0]);
    c00 += ai * b0, c01 += ai * b1;
    ai = splat(a[1]);
    c10 += ai * b0, c11 += ai * b1;
    ai = splat(a[2]);
    c20 += ai * b0, c21 += ai * b1;
    ai = splat(a[3]);
    c30 += ai * b0, c31 += ai * b1;
    ai = splat(a[4]);
    c40 += ai * b0, c41 += ai * b1;
    ai = splat(a[5]);
    c50 += ai * b0, c51 += ai * b1;
    a += kMr;
    b += kNr;
  }
  store4(c + 0 * ldc, c00), store4(c + 0 * ldc + 4, c01);
  store4(c + 1 * ldc, c10), store4(c + 1 * ldc + 4, c11);
  store4(c + 2 * ldc, c20), store4(c + 2 * ldc + 4, c21);
  store4(c + 3 * ldc, c30), store4(c + 3 * ldc + 4, c31);
  store4(c + 4 * ldc, c40), store4(c + 4 * ldc + 4, c41);
  store4(c + 5 * ldc, c50), store4(c + 5 * ldc + 4, c51);
}

void tile_portable(i64 kc, const float* a, const float* b, float* c, i64 ldc, bool accumulate) {
  for (i64 row = 0; row < kMr; row += 6)
    for (i64 col = 0; col < kNr; col += 8)
      quarter_tile_portable(kc, a + row, b + col, c + row * ldc + col, ldc, accumulate);
}

#if defined(__x86_64__)
// Six rows of the tile: twelve 8-float accumulators, two loads of B and a broadcast of A per k (the
// 16 ymm registers); run for each half of the tile's rows.
__attribute__((target("avx2"))) void half_tile_avx2(i64 kc, const float* a, const float* b,
                                                    float* c, i64 ldc, bool accumulate) {
  constexpr int kRows = 6;
  __m256 acc[kRows][2];
  for (int i = 0; i < kRows; ++i)
    for (int h = 0; h < 2; ++h)
      acc[i][h] = accumulate ? _mm256_loadu_ps(c + i * ldc + 8 * h) : _mm256_setzero_ps();
  for (i64 p = 0; p < kc; ++p) {
    const __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
    for (int i = 0; i < kRows; ++i) {
      const __m256 ai = _mm256_broadcast_ss(a + i);
      acc[i][0] = _mm256_add_ps(acc[i][0], _mm256_mul_ps(ai, b0));
      acc[i][1] = _mm256_add_ps(acc[i][1], _mm256_mul_ps(ai, b1));
    }
    a += kMr;
    b += kNr;
  }
  for (int i = 0; i < kRows; ++i)
    for (int h = 0; h < 2; ++h) _mm256_storeu_ps(c + i * ldc + 8 * h, acc[i][h]);
}

void tile_avx2(i64 kc, const float* a, const float* b, float* c, i64 ldc, bool accumulate) {
  half_tile_avx2(kc, a, b, c, ldc, accumulate);
  half_tile_avx2(kc, a + 6, b, c + 6 * ldc, ldc, accumulate);
}

// The whole tile: twelve 16-float accumulators, one load of B and twelve broadcasts of A per k.
__attribute__((target("avx512f"))) void tile_avx512(i64 kc, const float* a, const float* b,
                                                    float* c, i64 ldc, bool accumulate) {
  __m512 acc[kMr];
  for (int i = 0; i < kMr; ++i)
    acc[i] = accumulate ? _mm512_loadu_ps(c + i * ldc) : _mm512_setzero_ps();
  for (i64 p = 0; p < kc; ++p) {
    const __m512 bp = _mm512_loadu_ps(b);
    for (int i = 0; i < kMr; ++i)
      acc[i] = _mm512_add_ps(acc[i], _mm512_mul_ps(_mm512_set1_ps(a[i]), bp));
    a += kMr;
    b += kNr;
  }
  for (int i = 0; i < kMr; ++i) _mm512_storeu_ps(c + i * ldc, acc[i]);
}
#endif

using Tile = void (*)(i64, const float*, const float*, float*, i64, bool);

Tile tile_of(InstructionSet isa) {
#if defined(__x86_64__)
  if (isa == InstructionSet::avx2) return tile_avx2;
  if (isa == InstructionSet::avx512) return tile_avx512;
#endif
  (void)isa;
  return tile_portable;
}

InstructionSet widest_available() {
  for (InstructionSet isa : {InstructionSet::avx512, InstructionSet::avx2})
    if (instruction_set_available(isa)) return isa;
  return InstructionSet::portable;
}

std::atomic<InstructionSet>& chosen() {
  static std::atomic<InstructionSet> isa{widest_available()};
  return isa;
}

std::atomic<Tile>& chosen_tile() {
  static std::atomic<Tile> tile{tile_of(chosen().load())};
  return tile;
}

}  // namespace

const char* instruction_set_name(InstructionSet isa) {
  switch (isa) {
    case InstructionSet::avx2:
      return "avx2";
    case InstructionSet::avx512:
      return "avx512";
    case InstructionSet::portable:
      break;
  }
  return "portable";
}

bool instruction_set_available(InstructionSet isa) {
  if (isa == InstructionSet::portable) return true;
#if defined(__x86_64__)
  __builtin_cpu_init();
  return isa == InstructionSet::avx512 ? __builtin_cpu_supports("avx512f") != 0
                                       : __builtin_cpu_supports("avx2") != 0;
#else
  return false;
#endif
}

InstructionSet instruction_set_in_use() { return chosen().load(std::memory_order_relaxed); }

void use_instruction_set(InstructionSet isa) {
  if (!instruction_set_available(isa)) isa = InstructionSet::portable;
  chosen().store(isa);
  chosen_tile().store(tile_of(isa));
}

void micro_kernel(i64 kc, const float* a, const float* b, float* c, i64 ldc, bool accumulate) {
  chosen_tile().load(std::memory_order_relaxed)(kc, a, b, c, ldc, accumulate);
}

void edge_tile(i64 kc, const float* a, const float* b, float* c, i64 ldc, i64 mr, i64 nr,
               bool accumulate) {
  alignas(64) float tile[kMr * kNr] = {};
  if (accumulate)
    for (i64 i = 0; i < mr; ++i)
      for (i64 j = 0; j < nr; ++j) tile[i * kNr + j] = c[i * ldc + j];
  micro_kernel(kc, a, b, tile, kNr, accumulate);
  for (i64 i = 0; i < mr; ++i)
    for (i64 j = 0; j < nr; ++j) c[i * ldc + j] = tile[i * kNr + j];
}

}  // namespace seedgrid::kernels::cpu::gemm
