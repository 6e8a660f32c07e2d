#include <algorithm>
#include <cmath>

#include "kernels/cpu/gemm.hpp"
#include "kernels/cpu/ops.hpp"
#include "kernels/cpu/parallel.hpp"
#include "kernels/cpu/softmax_row.hpp"

namespace seedgrid::kernels::cpu {

namespace {
// Query rows whose scores are held at once (kQueryRows x Lk floats of one head).
constexpr i64 kQueryRows = 24;
}  // namespace

void attention(const float* q, const float* k, const float* v, float* out, i64 batch, i64 lq,
               i64 lk, i64 channels, i64 heads, bool causal) {
  const i64 d = channels / heads;
  const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(d)));
  // A task is (batch, head, a run of query row blocks): it packs the head's keys and values once
  // and reuses them for each block. Runs are split only as far as the threads need.
  const i64 row_blocks = (lq + kQueryRows - 1) / kQueryRows;
  const i64 pairs = batch * heads;
  const i64 wanted = 3 * i64{thread_count()};
  const i64 runs = std::clamp((wanted + pairs - 1) / pairs, i64{1}, row_blocks);
  const i64 blocks_per_run = (row_blocks + runs - 1) / runs;
  parallel_for(pairs * runs, 1, [&](i64 task_begin, i64 task_end) {
    float* keys = gemm::scratch(gemm::Scratch::head_keys, gemm::PrepackedB::floats(d, lk));
    float* values = gemm::scratch(gemm::Scratch::head_values, gemm::PrepackedB::floats(lk, d));
    float* scores = gemm::scratch(gemm::Scratch::scores, kQueryRows * lk);
    for (i64 task = task_begin; task < task_end; ++task) {
      const i64 b = task / (heads * runs), h = (task / runs) % heads, run = task % runs;
      const float* qh = q + b * lq * channels + h * d;
      const float* kh = k + b * lk * channels + h * d;
      const float* vh = v + b * lk * channels + h * d;
      float* oh = out + b * lq * channels + h * d;
      // Scores = q · kᵀ: B is the keys transposed (d x lk); the values are B of p · v (lk x d).
      for (i64 k0 = 0; k0 < d; k0 += gemm::kKc)
        gemm::pack_b_transposed(kh, channels, k0, std::min(gemm::kKc, d - k0), 0, lk,
                                keys + gemm::PrepackedB::floats(k0, lk));
      for (i64 k0 = 0; k0 < lk; k0 += gemm::kKc)
        gemm::pack_b_rows(vh, channels, k0, std::min(gemm::kKc, lk - k0), 0, d,
                          values + gemm::PrepackedB::floats(k0, d));
      const i64 i_end = std::min(lq, (run + 1) * blocks_per_run * kQueryRows);
      for (i64 i0 = run * blocks_per_run * kQueryRows; i0 < i_end; i0 += kQueryRows) {
        const i64 rows = std::min(kQueryRows, i_end - i0);
        gemm::run(rows, lk, d, qh + i0 * channels, channels, gemm::PrepackedB{keys, lk}, scores,
                  lk);
        float sums[kQueryRows];
        for (i64 r = 0; r < rows; ++r) {
          float* row = scores + r * lk;
          // Keys past the query are excluded: their weight is exactly 0.
          const i64 keys_seen = causal ? std::min(lk, i0 + r + 1) : lk;
          sums[r] = softmax_exp_row(row, row, keys_seen, scale);
          std::fill(row + keys_seen, row + lk, 0.0f);
        }
        // Σ_j e_j · v_j, then one division per output instead of one per score.
        float* o = oh + i0 * channels;
        gemm::run(rows, d, lk, scores, lk, gemm::PrepackedB{values, d}, o, channels);
        for (i64 r = 0; r < rows; ++r)
          for (i64 c = 0; c < d; ++c) o[r * channels + c] = o[r * channels + c] / sums[r];
      }
    }
  });
}

}  // namespace seedgrid::kernels::cpu
