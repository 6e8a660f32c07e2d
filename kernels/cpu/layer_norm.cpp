#include <cmath>

#include "kernels/cpu/moments.hpp"
#include "kernels/cpu/ops.hpp"
#include "kernels/cpu/parallel.hpp"

namespace seedgrid::kernels::cpu {

// y = ((x - mean) · rstd) · gamma + beta in fp32, mean and rstd = 1/sqrt(var + eps) from double
// statistics of the row, rounded once.
void layer_norm(const float* x, float* y, i64 rows, i64 cols, const float* gamma, const float* beta,
                float eps) {
  parallel_for(rows, (1 << 14) / (cols + 1) + 1, [&](i64 begin, i64 end) {
    for (i64 r = begin; r < end; ++r) {
      const float* in = x + r * cols;
      float* out = y + r * cols;
      const Moments m = moments(in, cols);
      const auto mu = static_cast<float>(m.mean);
      const auto rs = static_cast<float>(1.0 / std::sqrt(m.variance + static_cast<double>(eps)));
      for (i64 c = 0; c < cols; ++c) out[c] = ((in[c] - mu) * rs) * gamma[c] + beta[c];
    }
  });
}

}  // namespace seedgrid::kernels::cpu
