#pragma once
// The one GEMM tile every matrix product and convolution runs through: C[M, N] = A[M, K] · B[K, N]
// with fp16 operands on tensor cores (WMMA 16x16x16) and fp32 accumulation.
//
// Determinism and batch invariance: the tile configuration is a compile-time constant used for
// every shape; each output element is owned by one warp, which sums K in ascending 32-wide slabs
// (two 16-wide MMAs each, ascending) into one fp32 accumulator starting at 0. K past the end is
// padded with zeros in both operands, which adds exact zeros. Rows and columns of a tile never mix
// in an MMA, so an element's bits do not depend on M, N, or where in a tile its row falls.
//
// Loaders fill the shared-memory tiles (A as [m][k], B as [n][k]) with zeros outside the matrix;
// the epilogue receives (m, n, fp32 sum) for each element inside it.
//
// Performance notes (to tune on the GPU): single-buffered, synchronous global loads. Next steps are
// cp.async double buffering, ldmatrix + mma.sync with a swizzled layout, and 128-bit epilogue stores.
#include <mma.h>

#include "kernels/cuda/common.cuh"

namespace seedgrid::kernels::cuda::tile {

constexpr int kBM = 128, kBN = 128, kBK = 32;
constexpr int kPad = 8;  // halves per shared row past kBK: keeps WMMA's 32-byte alignment, spreads banks
constexpr int kLd = kBK + kPad;
constexpr int kWarpsM = 2, kWarpsN = 4;
constexpr int kThreads = 32 * kWarpsM * kWarpsN;
constexpr int kWarpM = kBM / kWarpsM, kWarpN = kBN / kWarpsN;  // 64 x 32
constexpr int kFragM = kWarpM / 16, kFragN = kWarpN / 16;      // 4 x 2

struct Shared {
  __half a[kBM][kLd];
  __half b[kBN][kLd];
  float out[kWarpsM * kWarpsN][16][16];
};

// A row-major [rows, K] matrix (leading dimension ld) as the A tile, or as the B tile of an "NT"
// product (B stored as [N, K]). Vector loads when every row start is 16-byte aligned.
struct RowMajorLoader {
  const __half* p;
  i64 rows, k, ld;
  bool vec;

  __device__ void load(__half (*dst)[kLd], i64 row0, i64 k0, int rows_in_tile) const {
    if (vec) {
      // rows_in_tile x 32 halves = rows_in_tile * 4 vectors of 8.
      for (int idx = threadIdx.x; idx < rows_in_tile * (kBK / 8); idx += kThreads) {
        const int r = idx / (kBK / 8), c = (idx % (kBK / 8)) * 8;
        const i64 gr = row0 + r, gc = k0 + c;
        uint4 v = make_uint4(0, 0, 0, 0);
        if (gr < rows && gc < k) v = *reinterpret_cast<const uint4*>(p + gr * ld + gc);  // k % 8 == 0
        *reinterpret_cast<uint4*>(&dst[r][c]) = v;
      }
    } else {
      for (int idx = threadIdx.x; idx < rows_in_tile * kBK; idx += kThreads) {
        const int r = idx / kBK, c = idx % kBK;
        const i64 gr = row0 + r, gc = k0 + c;
        dst[r][c] = (gr < rows && gc < k) ? p[gr * ld + gc] : __float2half(0.0f);
      }
    }
  }
};

template <class LoadA, class LoadB, class Epilogue>
__global__ void __launch_bounds__(kThreads)
    gemm_kernel(i64 m, i64 n, i64 k, LoadA load_a, LoadB load_b, Epilogue epilogue) {
  using namespace nvcuda;
  __shared__ __align__(128) Shared sh;
  const i64 tiles_n = (n + kBN - 1) / kBN;
  const i64 tm = static_cast<i64>(blockIdx.x) / tiles_n, tn = static_cast<i64>(blockIdx.x) % tiles_n;
  const i64 m0 = tm * kBM, n0 = tn * kBN;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int wm = warp / kWarpsN, wn = warp % kWarpsN;

  wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc[kFragM][kFragN];
  for (int i = 0; i < kFragM; ++i)
    for (int j = 0; j < kFragN; ++j) wmma::fill_fragment(acc[i][j], 0.0f);

  for (i64 k0 = 0; k0 < k; k0 += kBK) {
    load_a.load(sh.a, m0, k0, kBM);
    load_b.load(sh.b, n0, k0, kBN);
    __syncthreads();
    for (int kk = 0; kk < kBK; kk += 16) {
      wmma::fragment<wmma::matrix_a, 16, 16, 16, __half, wmma::row_major> fa[kFragM];
      wmma::fragment<wmma::matrix_b, 16, 16, 16, __half, wmma::col_major> fb[kFragN];
      for (int i = 0; i < kFragM; ++i)
        wmma::load_matrix_sync(fa[i], &sh.a[wm * kWarpM + i * 16][kk], kLd);
      for (int j = 0; j < kFragN; ++j)
        wmma::load_matrix_sync(fb[j], &sh.b[wn * kWarpN + j * 16][kk], kLd);
      for (int i = 0; i < kFragM; ++i)
        for (int j = 0; j < kFragN; ++j) wmma::mma_sync(acc[i][j], fa[i], fb[j], acc[i][j]);
    }
    __syncthreads();
  }

  float (*out)[16] = sh.out[warp];
  for (int i = 0; i < kFragM; ++i)
    for (int j = 0; j < kFragN; ++j) {
      wmma::store_matrix_sync(&out[0][0], acc[i][j], 16, wmma::mem_row_major);
      __syncwarp();
      const i64 row0 = m0 + wm * kWarpM + i * 16, col0 = n0 + wn * kWarpN + j * 16;
      for (int e = lane; e < 256; e += 32) {
        const i64 r = row0 + e / 16, c = col0 + e % 16;
        if (r < m && c < n) epilogue(r, c, out[e / 16][e % 16]);
      }
      __syncwarp();
    }
}

template <class LoadA, class LoadB, class Epilogue>
void launch(i64 m, i64 n, i64 k, const LoadA& a, const LoadB& b, const Epilogue& e, Stream s) {
  if (m <= 0 || n <= 0) return;
  const i64 tiles = ((m + kBM - 1) / kBM) * ((n + kBN - 1) / kBN);
  gemm_kernel<<<static_cast<unsigned>(tiles), kThreads, 0, s>>>(m, n, k, a, b, e);
}

}  // namespace seedgrid::kernels::cuda::tile
