#include <cmath>

#include "kernels/cpu/ops.hpp"

namespace seedgrid::kernels::cpu {

// Follows diffusers' float32 steps so the arguments of sin and cos round as they do there; only
// exp, sin and cos themselves are evaluated in double and rounded once.
void timestep_embedding(const float* timesteps, i64 count, i64 dim, bool flip_sin_to_cos,
                        float freq_shift, float* y) {
  const i64 half = dim / 2;
  const auto neg_log_period = static_cast<float>(-std::log(10000.0));
  const float denominator = static_cast<float>(half) - freq_shift;
  for (i64 n = 0; n < count; ++n) {
    float* row = y + n * dim;
    for (i64 i = 0; i < half; ++i) {
      const float exponent = (neg_log_period * static_cast<float>(i)) / denominator;
      const auto freq = static_cast<float>(std::exp(static_cast<double>(exponent)));
      const double arg = static_cast<double>(timesteps[n] * freq);
      const auto s = static_cast<float>(std::sin(arg)), c = static_cast<float>(std::cos(arg));
      row[i] = flip_sin_to_cos ? c : s;
      row[half + i] = flip_sin_to_cos ? s : c;
    }
    if (dim % 2 == 1) row[dim - 1] = 0.0f;
  }
}

}  // namespace seedgrid::kernels::cpu
