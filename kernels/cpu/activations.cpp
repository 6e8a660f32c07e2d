#include "kernels/cpu/math.hpp"
#include "kernels/cpu/ops.hpp"
#include "kernels/cpu/parallel.hpp"

namespace seedgrid::kernels::cpu {
namespace {

constexpr i64 kGrain = 1 << 15;

template <class F>
void map(const float* x, float* y, i64 n, F f) {
  parallel_for(n, kGrain, [&](i64 begin, i64 end) {
    for (i64 i = begin; i < end; ++i) y[i] = f(x[i]);
  });
}

}  // namespace

void gelu(const float* x, float* y, i64 n) {
  map(x, y, n, [](float v) { return gelu_f32(v); });
}
void quick_gelu(const float* x, float* y, i64 n) {
  map(x, y, n, [](float v) { return quick_gelu_f32(v); });
}
void silu(const float* x, float* y, i64 n) {
  map(x, y, n, [](float v) { return silu_f32(v); });
}

}  // namespace seedgrid::kernels::cpu
