#include "kernels/cpu/gemm.hpp"

#include <cstring>
#include <memory>
#include <new>

#include "kernels/cpu/f16.hpp"
#include "kernels/cpu/ops.hpp"

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
// A row of fp16 bits is widened into `wide` first, a whole row at a time (widen_row converts eight
// values per instruction where the machine can); a row of floats is read where it lies.
inline const float* row_as_floats(const float* src, i64, float*) { return src; }
inline const float* row_as_floats(const std::uint16_t* src, i64 n, float* wide) {
  widen_row(src, n, wide);
  return wide;
}

template <i64 Width, class T>
void pack_row_panels(const T* m, i64 ld, i64 row0, i64 rows, i64 k0, i64 kc, float* dst) {
  alignas(64) float wide[kKc];  // every caller packs one k block at most
  for (i64 r0 = 0; r0 < rows; r0 += Width) {
    const i64 n = std::min(Width, rows - r0);
    float* panel = dst + r0 * kc;
    for (i64 r = 0; r < n; ++r) {
      const float* src = row_as_floats(m + (row0 + r0 + r) * ld + k0, kc, wide);
      for (i64 p = 0; p < kc; ++p) panel[p * Width + r] = src[p];
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
