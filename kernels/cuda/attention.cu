// Flash-style attention: one pass over the keys with an online softmax, scores and P·V on tensor
// cores (WMMA, fp16 operands, fp32 accumulation), the running output in fp32 shared memory.
//
// A block owns (batch, head, a tile of 16·warps query rows); each warp owns 16 rows. Key tiles are
// visited in ascending order; for each row: s_j = fl(q·k_j)·fl(1/sqrt(d)), m' = max(m, s_j over the
// tile), O ← O·exp(m - m') + Σ_j exp(s_j - m')·v_j (the exponentials rounded to fp16 for the MMA,
// their fp32 values summed into l in ascending j), and out = O / l at the end.
//
// Determinism and batch invariance: the tile sizes are a function of the head dimension alone
// (plan() below), a row's arithmetic never depends on the other rows of its tile, and causal tiles
// past the last query of a block are skipped only where they would add exact zeros.
#include <mma.h>

#include <string>

#include "kernels/cuda/common.cuh"

namespace seedgrid::kernels::cuda {
namespace {

using namespace nvcuda;

struct Plan {
  int warps;     // query rows per block = 16 · warps
  int kv_tile;   // keys per tile (multiple of 16)
  int dp;        // head dimension rounded up to 16
  // Shared memory layout (bytes from the start, each region 128-byte aligned).
  std::size_t q, k, v, s, p, o, stats, total;
  __host__ __device__ int ldh() const { return dp + 8; }        // halves per Q/K/V row
  __host__ __device__ int lds() const { return kv_tile + 4; }   // floats per score row
  __host__ __device__ int ldp() const { return kv_tile + 8; }   // halves per P row
  __host__ __device__ int ldo() const { return dp + 4; }        // floats per O row
};

std::size_t align128(std::size_t x) { return (x + 127) / 128 * 128; }

Plan plan(i64 d) {
  Plan pl{};
  pl.dp = static_cast<int>((d + 15) / 16 * 16);
  if (pl.dp <= 128) {
    pl.warps = 4, pl.kv_tile = 64;
  } else if (pl.dp <= 256) {
    pl.warps = 2, pl.kv_tile = 32;
  } else {
    pl.warps = 1, pl.kv_tile = 16;
  }
  const std::size_t br = 16 * static_cast<std::size_t>(pl.warps), bc = pl.kv_tile;
  std::size_t at = 0;
  pl.q = at, at = align128(at + br * pl.ldh() * 2);
  pl.k = at, at = align128(at + bc * pl.ldh() * 2);
  pl.v = at, at = align128(at + bc * pl.ldh() * 2);
  pl.s = at, at = align128(at + br * pl.lds() * 4);
  pl.p = at, at = align128(at + br * pl.ldp() * 2);
  pl.o = at, at = align128(at + br * pl.ldo() * 4);
  pl.stats = at, at = align128(at + br * 3 * 4);  // m, l, alpha per row
  pl.total = at;
  return pl;
}

__device__ void load_rows(__half* dst, int ld, const __half* base, i64 row0, int rows, i64 limit,
                          i64 channels, i64 d, int dp) {
  for (int idx = threadIdx.x; idx < rows * dp; idx += blockDim.x) {
    const int r = idx / dp, c = idx % dp;
    const i64 gr = row0 + r;
    dst[r * ld + c] = (gr < limit && c < d) ? base[gr * channels + c] : __float2half(0.0f);
  }
}

__global__ void attention_kernel(const __half* q, const __half* k, const __half* v, __half* out,
                                 i64 lq, i64 lk, i64 channels, i64 heads, bool causal, Plan pl,
                                 i64 q_tiles) {
  extern __shared__ __align__(128) unsigned char smem[];
  __half* sq = reinterpret_cast<__half*>(smem + pl.q);
  __half* sk = reinterpret_cast<__half*>(smem + pl.k);
  __half* sv = reinterpret_cast<__half*>(smem + pl.v);
  float* ss = reinterpret_cast<float*>(smem + pl.s);
  __half* sp = reinterpret_cast<__half*>(smem + pl.p);
  float* so = reinterpret_cast<float*>(smem + pl.o);
  float* row_m = reinterpret_cast<float*>(smem + pl.stats);
  const int br = 16 * pl.warps, bc = pl.kv_tile, dp = pl.dp;
  float* row_l = row_m + br;
  float* row_alpha = row_l + br;

  const i64 tile = static_cast<i64>(blockIdx.x) % q_tiles;
  const i64 bh = static_cast<i64>(blockIdx.x) / q_tiles;
  const i64 b = bh / heads, h = bh % heads;
  const i64 d = channels / heads;
  const i64 i0 = tile * br;
  const float scale = static_cast<float>(1.0 / sqrt(static_cast<double>(d)));
  const __half* qb = q + b * lq * channels + h * d;
  const __half* kb = k + b * lk * channels + h * d;
  const __half* vb = v + b * lk * channels + h * d;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;

  load_rows(sq, pl.ldh(), qb, i0, br, lq, channels, d, dp);
  for (int idx = threadIdx.x; idx < br * pl.ldo(); idx += blockDim.x) so[idx] = 0.0f;
  for (int r = threadIdx.x; r < br; r += blockDim.x) row_m[r] = -INFINITY, row_l[r] = 0.0f;

  // Causal: keys past the block's last query contribute exact zeros to every row; skip them.
  const i64 key_end = causal ? min(lk, i0 + br) : lk;
  for (i64 j0 = 0; j0 < key_end; j0 += bc) {
    __syncthreads();  // the previous tile's K/V/O work is done
    load_rows(sk, pl.ldh(), kb, j0, bc, lk, channels, d, dp);
    load_rows(sv, pl.ldh(), vb, j0, bc, lk, channels, d, dp);
    __syncthreads();

    const int r0 = warp * 16;  // this warp's rows in the block
    // Scores S = Q Kᵀ for the warp's 16 rows.
    for (int jb = 0; jb < bc; jb += 16) {
      wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc;
      wmma::fill_fragment(acc, 0.0f);
      for (int kk = 0; kk < dp; kk += 16) {
        wmma::fragment<wmma::matrix_a, 16, 16, 16, __half, wmma::row_major> fa;
        wmma::fragment<wmma::matrix_b, 16, 16, 16, __half, wmma::col_major> fb;
        wmma::load_matrix_sync(fa, sq + r0 * pl.ldh() + kk, pl.ldh());
        wmma::load_matrix_sync(fb, sk + jb * pl.ldh() + kk, pl.ldh());
        wmma::mma_sync(acc, fa, fb, acc);
      }
      wmma::store_matrix_sync(ss + r0 * pl.lds() + jb, acc, pl.lds(), wmma::mem_row_major);
    }
    __syncwarp();
    // Online softmax: lane r of the warp owns row r0 + r, walking the tile's keys in order.
    if (lane < 16) {
      const int r = r0 + lane;
      const i64 i = i0 + r;
      float* srow = ss + r * pl.lds();
      __half* prow = sp + r * pl.ldp();
      const float m_old = row_m[r];
      float m_new = m_old;
      bool nan = false;
      for (int j = 0; j < bc; ++j) {
        const i64 key = j0 + j;
        const bool live = key < lk && !(causal && key > i);
        const float sj = srow[j] * scale;
        srow[j] = sj;
        if (live) {
          nan = nan || isnan(sj);
          m_new = fmaxf(m_new, sj);
        }
      }
      if (nan) m_new = NAN;  // fmaxf drops NaN; the row's output must be NaN, as on the CPU
      // A row that has seen no live key yet keeps m = -inf and alpha = 1 (nothing to rescale).
      const float alpha = m_new == -INFINITY ? 1.0f : expf(m_old - m_new);
      float sum = 0.0f;
      for (int j = 0; j < bc; ++j) {
        const i64 key = j0 + j;
        const bool live = key < lk && !(causal && key > i);
        const float pj = live ? expf(srow[j] - m_new) : 0.0f;
        sum += pj;
        prow[j] = __float2half_rn(pj);
      }
      row_l[r] = row_l[r] * alpha + sum;
      row_m[r] = m_new;
      row_alpha[r] = alpha;
    }
    __syncwarp();
    // O ← O·alpha + P·V for the warp's rows.
    for (int idx = lane; idx < 16 * dp; idx += 32) {
      const int r = r0 + idx / dp, c = idx % dp;
      so[r * pl.ldo() + c] *= row_alpha[r];
    }
    __syncwarp();
    for (int cb = 0; cb < dp; cb += 16) {
      wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc;
      wmma::load_matrix_sync(acc, so + r0 * pl.ldo() + cb, pl.ldo(), wmma::mem_row_major);
      for (int kk = 0; kk < bc; kk += 16) {
        wmma::fragment<wmma::matrix_a, 16, 16, 16, __half, wmma::row_major> fa;
        wmma::fragment<wmma::matrix_b, 16, 16, 16, __half, wmma::row_major> fb;
        wmma::load_matrix_sync(fa, sp + r0 * pl.ldp() + kk, pl.ldp());
        wmma::load_matrix_sync(fb, sv + kk * pl.ldh() + cb, pl.ldh());
        wmma::mma_sync(acc, fa, fb, acc);
      }
      wmma::store_matrix_sync(so + r0 * pl.ldo() + cb, acc, pl.ldo(), wmma::mem_row_major);
    }
  }
  __syncthreads();
  __half* ob = out + b * lq * channels + h * d;
  for (int idx = threadIdx.x; idx < br * d; idx += blockDim.x) {
    const int r = static_cast<int>(idx / d), c = static_cast<int>(idx % d);
    const i64 i = i0 + r;
    if (i < lq) ob[i * channels + c] = __float2half_rn(so[r * pl.ldo() + c] / row_l[r]);
  }
}

}  // namespace

void attention(const Half* q, const Half* k, const Half* v, Half* out, i64 batch, i64 lq, i64 lk,
               i64 channels, i64 heads, bool causal, Stream s) {
  if (batch * lq * channels == 0 || lk == 0) return;
  const Plan pl = plan(channels / heads);
  const i64 br = 16 * pl.warps;
  const i64 q_tiles = (lq + br - 1) / br;
  // Above 48 KiB a kernel must opt in to dynamic shared memory; the launch then fails with a clear
  // error on a device with too little (reported at the next synchronize).
  cudaFuncSetAttribute(attention_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                       static_cast<int>(pl.total));
  attention_kernel<<<static_cast<unsigned>(batch * heads * q_tiles), 32 * pl.warps, pl.total, s>>>(
      as_half(q), as_half(k), as_half(v), as_half(out), lq, lk, channels, heads, causal, pl,
      q_tiles);
}

}  // namespace seedgrid::kernels::cuda
