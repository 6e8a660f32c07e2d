#pragma once
// Mean and biased variance of n floats for the normalisation kernels (internal to kernels/cpu).
// Two passes in double; each pass sums element j into lane j % 4 and combines the lanes as
// (l0 + l1) + (l2 + l3), a fixed order that depends only on n and vectorizes.
#include <cstdint>

namespace seedgrid::kernels::cpu {

struct Moments {
  double mean = 0;
  double variance = 0;
};

inline Moments moments(const float* x, std::int64_t n) {
  double lane[4] = {};
  std::int64_t j = 0;
  for (; j + 4 <= n; j += 4)
    for (int l = 0; l < 4; ++l) lane[l] = lane[l] + static_cast<double>(x[j + l]);
  for (int l = 0; j + l < n; ++l) lane[l] = lane[l] + static_cast<double>(x[j + l]);
  Moments m;
  m.mean = ((lane[0] + lane[1]) + (lane[2] + lane[3])) / static_cast<double>(n);
  double sq[4] = {};
  j = 0;
  for (; j + 4 <= n; j += 4)
    for (int l = 0; l < 4; ++l) {
      const double d = static_cast<double>(x[j + l]) - m.mean;
      sq[l] = sq[l] + d * d;
    }
  for (int l = 0; j + l < n; ++l) {
    const double d = static_cast<double>(x[j + l]) - m.mean;
    sq[l] = sq[l] + d * d;
  }
  m.variance = ((sq[0] + sq[1]) + (sq[2] + sq[3])) / static_cast<double>(n);
  return m;
}

}  // namespace seedgrid::kernels::cpu
