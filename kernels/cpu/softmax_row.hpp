#pragma once
// The exponentials of one softmax row, shared by the softmax and attention kernels (internal to
// kernels/cpu).
#include <cstdint>

#include "kernels/cpu/math.hpp"
#include "kernels/cpu/simd.hpp"

namespace seedgrid::kernels::cpu {

// y = exp(fl(scale · x) - m), m the largest fl(scale · x); returns the sum of y taken over 8
// lanes (element j into lane j % 8) combined as a fixed tree: an order that depends only on n,
// and loops that vectorize. The caller divides by the sum. scale > 0; y may equal x. A NaN
// anywhere reaches the sum.
inline float softmax_exp_row(const float* x, float* y, std::int64_t n, float scale) {
  // Rounding is monotonic, so the largest scaled value is the scaled largest value; the maximum
  // is exact in any order.
  v4 top0 = splat(x[0]), top1 = top0;
  std::int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
    top0 = max4(load4(x + j), top0);
    top1 = max4(load4(x + j + 4), top1);
  }
  float m = x[0];
  for (; j < n; ++j) m = x[j] > m ? x[j] : m;
  for (int l = 0; l < 4; ++l) {
    m = top0[l] > m ? top0[l] : m;
    m = top1[l] > m ? top1[l] : m;
  }
  m = m * scale;

  float lane[8] = {};
  for (j = 0; j + 8 <= n; j += 8)
    for (int l = 0; l < 8; ++l) {
      const float e = exp_f32(x[j + l] * scale - m);
      y[j + l] = e;
      lane[l] = lane[l] + e;
    }
  for (int l = 0; j + l < n; ++l) {
    const float e = exp_f32(x[j + l] * scale - m);
    y[j + l] = e;
    lane[l] = lane[l] + e;
  }
  return ((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7]));
}

}  // namespace seedgrid::kernels::cpu
