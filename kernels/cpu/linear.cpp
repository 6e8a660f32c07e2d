#include "kernels/cpu/ops.hpp"
#include "kernels/cpu/parallel.hpp"

namespace seedgrid::kernels::cpu {

void linear(const float* x, i64 rows, i64 in, const float* w, i64 out, const float* bias,
            float* y) {
  gemm_nt(rows, out, in, x, in, w, in, y, out);
  if (bias == nullptr) return;
  parallel_for(rows, (1 << 15) / (out + 1) + 1, [&](i64 begin, i64 end) {
    for (i64 r = begin; r < end; ++r) {
      float* row = y + r * out;
      for (i64 o = 0; o < out; ++o) row[o] = row[o] + bias[o];
    }
  });
}

}  // namespace seedgrid::kernels::cpu
