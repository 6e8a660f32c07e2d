#include "kernels/cpu/ops.hpp"
#include "kernels/cpu/parallel.hpp"
#include "kernels/cpu/softmax_row.hpp"

namespace seedgrid::kernels::cpu {

void softmax(const float* x, float* y, i64 rows, i64 cols) {
  if (cols <= 0) return;
  parallel_for(rows, (1 << 14) / cols + 1, [&](i64 begin, i64 end) {
    for (i64 r = begin; r < end; ++r) {
      float* out = y + r * cols;
      const float sum = softmax_exp_row(x + r * cols, out, cols, 1.0f);
      for (i64 c = 0; c < cols; ++c) out[c] = out[c] / sum;
    }
  });
}

}  // namespace seedgrid::kernels::cpu
