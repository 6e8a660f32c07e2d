#pragma once
// Four floats in one 16-byte register, written with GCC/Clang vector extensions so the same source
// compiles on any target (internal to kernels/cpu). a + b, a * b and comparisons are plain IEEE
// lane-wise operations, never fused.
#include <cstring>

namespace seedgrid::kernels::cpu {

typedef float v4 __attribute__((vector_size(16)));

inline v4 load4(const float* p) {
  v4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline void store4(float* p, v4 v) { std::memcpy(p, &v, sizeof v); }

inline v4 splat(float x) { return v4{x, x, x, x}; }

// a > b ? a : b per lane (b when either is NaN), as the scalar expression.
inline v4 max4(v4 a, v4 b) { return a > b ? a : b; }

}  // namespace seedgrid::kernels::cpu
