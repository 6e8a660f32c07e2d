#include <algorithm>

#include "kernels/cpu/ops.hpp"
#include "kernels/cpu/parallel.hpp"

namespace seedgrid::kernels::cpu {
namespace {

// y[b] = x[b]ᵀ for `batch` matrices of rows x cols, in 32 x 32 tiles so reads and writes both
// stay within a few cache lines.
void transpose_batched(const float* x, float* y, i64 batch, i64 rows, i64 cols) {
  constexpr i64 kTile = 32;
  const i64 row_tiles = (rows + kTile - 1) / kTile;
  parallel_for(batch * row_tiles, 16, [&](i64 begin, i64 end) {
    for (i64 t = begin; t < end; ++t) {
      const i64 b = t / row_tiles, r0 = (t % row_tiles) * kTile;
      const i64 r1 = std::min(rows, r0 + kTile);
      const float* in = x + b * rows * cols;
      float* out = y + b * rows * cols;
      for (i64 c0 = 0; c0 < cols; c0 += kTile) {
        const i64 c1 = std::min(cols, c0 + kTile);
        for (i64 r = r0; r < r1; ++r)
          for (i64 c = c0; c < c1; ++c) out[c * rows + r] = in[r * cols + c];
      }
    }
  });
}

}  // namespace

void nchw_to_tokens(const float* x, float* y, i64 batch, i64 channels, i64 spatial) {
  transpose_batched(x, y, batch, channels, spatial);
}

void tokens_to_nchw(const float* x, float* y, i64 batch, i64 channels, i64 spatial) {
  transpose_batched(x, y, batch, spatial, channels);
}

}  // namespace seedgrid::kernels::cpu
