#pragma once
// The GEMM core shared by linear, conv2d and attention (internal to kernels/cpu).
//
// C[M, N] = A[M, K] · B[K, N]. A is row-major; B is produced by a packer, so the same core serves
// B = Wᵀ (linear, attention scores), B row-major (attention values, 1x1 convolutions) and B =
// im2col(x) built on the fly (convolutions). Blocking follows Goto/BLIS: B is packed in panels
// of kNr columns, A in panels of kMr rows, and a register-tiled micro-kernel keeps a kMr x kNr
// tile of C in registers, vectorized across the kNr columns.
//
// Determinism: for every C element the micro-kernel does acc = +0, then acc = acc + a·b for k
// ascending. K blocking stores the fp32 accumulator to C and reloads it, which changes nothing,
// and no other blocking splits the k loop, so an element's bytes depend only on its row of A, its
// column of B and K: not on M, N, the tile it falls in or the thread that computes it.
#include <algorithm>
#include <cstdint>

#include "kernels/cpu/parallel.hpp"

namespace seedgrid::kernels::cpu::gemm {

using i64 = std::int64_t;

inline constexpr i64 kMr = 12;   // rows of the register tile (12 AVX-512 registers of 16 floats)
inline constexpr i64 kNr = 16;   // columns of the register tile
inline constexpr i64 kKc = 256;  // k block: one A panel (kMr x kKc) and one B panel stay in L1
inline constexpr i64 kMc = 96;   // rows of A packed at once (kMc x kKc stays in L2)
inline constexpr i64 kMb = 384;  // rows per task (at most)
inline constexpr i64 kNb = 256;  // columns per task (at most)

// Per-thread scratch buffers, one per use that can be live at the same time.
enum class Scratch : int {
  packed_b, packed_a, all_of_a, all_of_b, head_keys, head_values, scores, count
};

// The calling thread's buffer for `use`, at least `floats` floats, 64-byte aligned. It stays
// allocated for the thread's lifetime, grown as needed.
float* scratch(Scratch use, i64 floats);

// Packs rows [i0, i0 + mc) and columns [k0, k0 + kc) of row-major A into ceil(mc / kMr) panels,
// each kc x kMr (k-major), rows past mc zero-filled. A may be fp16 bits (a convolution's stored
// weights), widened exactly as it is packed (kernels/cpu/f16.hpp).
void pack_a(const float* a, i64 lda, i64 i0, i64 mc, i64 k0, i64 kc, float* dst);
void pack_a(const std::uint16_t* a, i64 lda, i64 i0, i64 mc, i64 k0, i64 kc, float* dst);

// Packs B[k0 .. k0+kc, j0 .. j0+nc) into ceil(nc / kNr) panels, each kc x kNr, from B stored
// row-major ([K, N], rows ldb apart) or as its transpose ([N, K], rows ldb apart).
void pack_b_rows(const float* b, i64 ldb, i64 k0, i64 kc, i64 j0, i64 nc, float* dst);
void pack_b_transposed(const float* b, i64 ldb, i64 k0, i64 kc, i64 j0, i64 nc, float* dst);
void pack_b_transposed(const std::uint16_t* b, i64 ldb, i64 k0, i64 kc, i64 j0, i64 nc,
                       float* dst);  // fp16 bits (a linear layer's stored weights)

// The kMr x kNr tile C[i, j] (+)= Σ_p a[p][i] · b[p][j] over kc packed steps; without
// `accumulate` the accumulators start at +0. Written once per instruction set
// (gemm_micro_kernel.cpp); each computes every element as the scalar loop would (a product
// rounded, then a sum rounded, k ascending, never fused), so the instruction set is not part of
// the determinism class: it decides only how many columns one instruction works on.
void micro_kernel(i64 kc, const float* a, const float* b, float* c, i64 ldc, bool accumulate);

// The micro-kernels this build has. The widest the machine runs is picked at start-up;
// use_instruction_set is for tests and benchmarks that compare them (process-wide, not while a
// GEMM runs).
enum class InstructionSet { portable, avx2, avx512 };
const char* instruction_set_name(InstructionSet isa);
bool instruction_set_available(InstructionSet isa);
InstructionSet instruction_set_in_use();
void use_instruction_set(InstructionSet isa);

// Runs one tile that may be partial (mr <= kMr rows, nr <= kNr columns valid).
void edge_tile(i64 kc, const float* a, const float* b, float* c, i64 ldc, i64 mr, i64 nr,
               bool accumulate);

// All of A (m x k) packed as run packs it when several column tasks share it: k block k0 at
// k0 · padded_rows(m), the panel of row i0 at i0 · kc in it. For an A that several GEMMs share (a
// convolution's weights over the images of a batch), so it is widened and packed once.
inline i64 padded_rows(i64 m) { return (m + kMr - 1) / kMr * kMr; }
template <class TA>
void pack_all_of_a(i64 m, i64 k, const TA* a, i64 lda, float* dst) {
  const i64 m_padded = padded_rows(m);
  parallel_for(m_padded / kMr, 16, [&](i64 p_begin, i64 p_end) {
    const i64 i0 = p_begin * kMr, rows = std::min(m, p_end * kMr) - i0;
    for (i64 k0 = 0; k0 < k; k0 += kKc) {
      const i64 kc = std::min(kKc, k - k0);
      pack_a(a, lda, i0, rows, k0, kc, dst + k0 * m_padded + i0 * kc);
    }
  });
}

// C = A · B (A of f32, or of fp16 bits that pack_a widens) where pack_b(k0, kc, j0, nc, scratch)
// returns B[k0 .. k0+kc, j0 .. j0+nc) in the layout of pack_b_rows: packed into `scratch`, or
// found in a buffer packed beforehand (see PrepackedB). `a_packed`, when given, is all of A as
// pack_all_of_a lays it out, and `a` is then not read. Parallel over tiles of at most kMb x kNb
// elements of C (a call from inside a parallel_for body runs on the calling thread).
template <class TA, class PackB>
void run(i64 m, i64 n, i64 k, const TA* a, i64 lda, const PackB& pack_b, float* c, i64 ldc,
         const float* a_packed = nullptr) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    for (i64 i = 0; i < m; ++i) std::fill(c + i * ldc, c + i * ldc + n, 0.0f);
    return;
  }
  // Tiles shrink until every thread has a few tasks of at least ~2^17 multiply-adds (less would
  // cost more in waking threads than it saves); the tiling never changes a value.
  i64 mb = kMb, nb = kNb;
  const i64 threads = thread_count();
  const i64 wanted = threads == 1 ? 1 : std::min(3 * threads, std::max(i64{1}, (m * n * k) >> 17));
  while ((m + mb - 1) / mb * ((n + nb - 1) / nb) < wanted && (mb > 4 * kMr || nb > 4 * kNr)) {
    if (nb > 4 * kNr && (nb >= mb || mb <= 4 * kMr))
      nb /= 2;
    else
      mb /= 2;
  }
  const i64 row_tasks = (m + mb - 1) / mb;
  const i64 col_tasks = (n + nb - 1) / nb;
  // When several column tasks read the same rows of A, A is packed once up front (k block k0 at
  // k0 · m_padded, the panel of row i0 at i0 · kc in it); otherwise each task packs its own.
  const bool prepack_a = a_packed != nullptr || col_tasks > 1;
  const i64 m_padded = padded_rows(m);
  if (prepack_a && a_packed == nullptr) {
    float* all = scratch(Scratch::all_of_a, m_padded * k);
    pack_all_of_a(m, k, a, lda, all);
    a_packed = all;
  }
  parallel_for(row_tasks * col_tasks, 1, [&](i64 task_begin, i64 task_end) {
    float* bp = scratch(Scratch::packed_b, kKc * kNb);
    float* a_scratch = prepack_a ? nullptr : scratch(Scratch::packed_a, kKc * kMc);
    const float* ap = nullptr;
    for (i64 task = task_begin; task < task_end; ++task) {
      const i64 i_begin = (task / col_tasks) * mb, i_end = std::min(m, i_begin + mb);
      const i64 j_begin = (task % col_tasks) * nb, nc = std::min(n, j_begin + nb) - j_begin;
      for (i64 k0 = 0; k0 < k; k0 += kKc) {
        const i64 kc = std::min(kKc, k - k0);
        const bool accumulate = k0 > 0;
        const float* b_block = pack_b(k0, kc, j_begin, nc, bp);
        for (i64 i0 = i_begin; i0 < i_end; i0 += kMc) {
          const i64 mc = std::min(kMc, i_end - i0);
          if (prepack_a) {
            ap = a_packed + k0 * m_padded + i0 * kc;
          } else {
            pack_a(a, lda, i0, mc, k0, kc, a_scratch);
            ap = a_scratch;
          }
          for (i64 jr = 0; jr < nc; jr += kNr) {
            const i64 nr = std::min(kNr, nc - jr);
            const float* b_panel = b_block + jr * kc;
            for (i64 ir = 0; ir < mc; ir += kMr) {
              const i64 mr = std::min(kMr, mc - ir);
              float* ct = c + (i0 + ir) * ldc + j_begin + jr;
              if (mr == kMr && nr == kNr)
                micro_kernel(kc, ap + ir * kc, b_panel, ct, ldc, accumulate);
              else
                edge_tile(kc, ap + ir * kc, b_panel, ct, ldc, mr, nr, accumulate);
            }
          }
        }
      }
    }
  });
}

// All of a K x N matrix B packed once, for an operand several GEMMs share (an attention head's
// keys and values): k blocks of kKc rows, each holding the panels of every column, block k0 at
// floats(k0, n). As run's packer it hands out blocks of that buffer without copying.
struct PrepackedB {
  const float* data;
  i64 n;

  static i64 floats(i64 k, i64 n) { return k * ((n + kNr - 1) / kNr * kNr); }

  const float* operator()(i64 k0, i64 kc, i64 j0, i64, float*) const {
    return data + floats(k0, n) + j0 * kc;
  }
};

}  // namespace seedgrid::kernels::cpu::gemm
