#include "kernels/cpu/ops.hpp"
#include "kernels/cpu/parallel.hpp"

namespace seedgrid::kernels::cpu {
namespace {
constexpr i64 kGrain = 1 << 16;
}  // namespace

void add(const float* a, i64 n, const float* b, i64 nb, float* y) {
  if (nb == n) {
    parallel_for(n, kGrain, [&](i64 begin, i64 end) {
      for (i64 i = begin; i < end; ++i) y[i] = a[i] + b[i];
    });
    return;
  }
  parallel_for(n / nb, kGrain / nb + 1, [&](i64 begin, i64 end) {
    for (i64 o = begin; o < end; ++o)
      for (i64 t = 0; t < nb; ++t) y[o * nb + t] = a[o * nb + t] + b[t];
  });
}

void add_channelwise(const float* x, const float* v, float* y, i64 planes, i64 spatial) {
  parallel_for(planes, kGrain / (spatial + 1) + 1, [&](i64 begin, i64 end) {
    for (i64 p = begin; p < end; ++p) {
      const float value = v[p];
      for (i64 s = 0; s < spatial; ++s) y[p * spatial + s] = x[p * spatial + s] + value;
    }
  });
}

void axpby(float alpha, const float* x, float beta, const float* yin, float* y, i64 n) {
  parallel_for(n, kGrain, [&](i64 begin, i64 end) {
    for (i64 i = begin; i < end; ++i) y[i] = alpha * x[i] + beta * yin[i];
  });
}

void scale(const float* x, float alpha, float* y, i64 n) {
  parallel_for(n, kGrain, [&](i64 begin, i64 end) {
    for (i64 i = begin; i < end; ++i) y[i] = alpha * x[i];
  });
}

void guidance(const float* uncond, const float* cond, float g, float* y, i64 n) {
  parallel_for(n, kGrain, [&](i64 begin, i64 end) {
    for (i64 i = begin; i < end; ++i) y[i] = uncond[i] + g * (cond[i] - uncond[i]);
  });
}

}  // namespace seedgrid::kernels::cpu
