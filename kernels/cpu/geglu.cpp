#include "kernels/cpu/math.hpp"
#include "kernels/cpu/ops.hpp"
#include "kernels/cpu/parallel.hpp"

namespace seedgrid::kernels::cpu {

// diffusers GEGLU: hidden, gate = proj(x).chunk(2, dim=-1); hidden · gelu(gate).
void geglu(const float* x, float* y, i64 rows, i64 cols) {
  parallel_for(rows, (1 << 15) / (cols + 1) + 1, [&](i64 begin, i64 end) {
    for (i64 r = begin; r < end; ++r) {
      const float* hidden = x + r * 2 * cols;
      const float* gate = hidden + cols;
      float* out = y + r * cols;
      for (i64 c = 0; c < cols; ++c) out[c] = hidden[c] * gelu_f32(gate[c]);
    }
  });
}

}  // namespace seedgrid::kernels::cpu
