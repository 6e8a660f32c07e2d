#include "kernels/cpu/gemm.hpp"

#include <cstring>
#include <memory>
#include <new>

#include "kernels/cpu/f16.hpp"
#include "kernels/cpu/ops.hpp"
#include "kernels/cpu/simd.hpp"

namespace seedgrid::kernels::cpu {
namespace gemm {
namespace {

struct AlignedDelete {
  void operator()(float* p) const { ::operator delete[](p, std::align_val_t{64}); }
};

struct Buffer {
  std::unique_ptr<float[], AlignedDelete> data;
  i64 floats = 0;
};

}  // namespace

float* scratch(Scratch use, i64 floats) {
  thread_local Buffer buffers[static_cast<int>(Scratch::count)];
  Buffer& b = buffers[static_cast<int>(use)];
  if (b.floats < floats) {
    b.data.reset(static_cast<float*>(
        ::operator new[](static_cast<std::size_t>(floats) * sizeof(float), std::align_val_t{64})));
    b.floats = floats;
  }
  return b.data.get();
}

namespace {

// pack_a and pack_b_transposed are the same walk: rows of a row-major matrix (A's rows, or B's rows
// when B is stored transposed) laid into panels `Width` rows wide, k-major, zero-padded, each value
// widened as it is placed (T is float or fp16 bits).
template <i64 Width, class T>
void pack_row_panels(const T* m, i64 ld, i64 row0, i64 rows, i64 k0, i64 kc, float* dst) {
  for (i64 r0 = 0; r0 < rows; r0 += Width) {
    const i64 n = std::min(Width, rows - r0);
    float* panel = dst + r0 * kc;
    for (i64 r = 0; r < n; ++r) {
      const T* src = m + (row0 + r0 + r) * ld + k0;
      for (i64 p = 0; p < kc; ++p) panel[p * Width + r] = widen(src[p]);
    }
    for (i64 r = n; r < Width; ++r)
      for (i64 p = 0; p < kc; ++p) panel[p * Width + r] = 0.0f;
  }
}

}  // namespace

void pack_a(const float* a, i64 lda, i64 i0, i64 mc, i64 k0, i64 kc, float* dst) {
  pack_row_panels<kMr>(a, lda, i0, mc, k0, kc, dst);
}

void pack_a(const std::uint16_t* a, i64 lda, i64 i0, i64 mc, i64 k0, i64 kc, float* dst) {
  pack_row_panels<kMr>(a, lda, i0, mc, k0, kc, dst);
}

void pack_b_rows(const float* b, i64 ldb, i64 k0, i64 kc, i64 j0, i64 nc, float* dst) {
  for (i64 jr = 0; jr < nc; jr += kNr) {
    const i64 nr = std::min(kNr, nc - jr);
    float* panel = dst + jr * kc;
    const float* src = b + k0 * ldb + j0 + jr;
    if (nr == kNr) {
      for (i64 p = 0; p < kc; ++p) std::memcpy(panel + p * kNr, src + p * ldb, kNr * sizeof(float));
    } else {
      for (i64 p = 0; p < kc; ++p) {
        for (i64 j = 0; j < nr; ++j) panel[p * kNr + j] = src[p * ldb + j];
        for (i64 j = nr; j < kNr; ++j) panel[p * kNr + j] = 0.0f;
      }
    }
  }
}

void pack_b_transposed(const float* b, i64 ldb, i64 k0, i64 kc, i64 j0, i64 nc, float* dst) {
  pack_row_panels<kNr>(b, ldb, j0, nc, k0, kc, dst);
}

void pack_b_transposed(const std::uint16_t* b, i64 ldb, i64 k0, i64 kc, i64 j0, i64 nc,
                       float* dst) {
  pack_row_panels<kNr>(b, ldb, j0, nc, k0, kc, dst);
}

void micro_kernel(i64 kc, const float* a, const float* b, float* c, i64 ldc, bool accumulate) {
  static_assert(kMr == 6 && kNr == 8, "the micro-kernel is written for a 6 x 8 tile");
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

}  // namespace gemm

void gemm_nt(i64 m, i64 n, i64 k, const float* a, i64 lda, const float* b, i64 ldb, float* c,
             i64 ldc) {
  gemm::run(
      m, n, k, a, lda,
      [&](i64 k0, i64 kc, i64 j0, i64 nc, float* dst) {
        gemm::pack_b_transposed(b, ldb, k0, kc, j0, nc, dst);
        return static_cast<const float*>(dst);
      },
      c, ldc);
}

void gemm_nn(i64 m, i64 n, i64 k, const float* a, i64 lda, const float* b, i64 ldb, float* c,
             i64 ldc) {
  gemm::run(
      m, n, k, a, lda,
      [&](i64 k0, i64 kc, i64 j0, i64 nc, float* dst) {
        gemm::pack_b_rows(b, ldb, k0, kc, j0, nc, dst);
        return static_cast<const float*>(dst);
      },
      c, ldc);
}

}  // namespace seedgrid::kernels::cpu
