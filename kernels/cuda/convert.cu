// Dtype conversion on the device. __float2half_rn rounds to nearest even with the same
// overflow-to-infinity and NaN handling as models/tensor/half.hpp's float_to_half.
#include "kernels/cuda/common.cuh"

namespace seedgrid::kernels::cuda {
namespace {

__global__ void f32_to_f16_kernel(const float* x, Half* y, i64 n) {
  SEEDGRID_GRID_STRIDE(i, n) { store(y, i, x[i]); }
}

__global__ void bf16_to_f16_kernel(const std::uint16_t* x, Half* y, i64 n) {
  SEEDGRID_GRID_STRIDE(i, n) { store(y, i, __uint_as_float(static_cast<unsigned>(x[i]) << 16)); }
}

__global__ void f16_to_f32_kernel(const Half* x, float* y, i64 n) {
  SEEDGRID_GRID_STRIDE(i, n) { y[i] = load(x, i); }
}

}  // namespace

void f32_to_f16(const float* x, Half* y, i64 n, Stream s) {
  if (n > 0) f32_to_f16_kernel<<<blocks_for(n), kThreads, 0, s>>>(x, y, n);
}
void bf16_to_f16(const std::uint16_t* x, Half* y, i64 n, Stream s) {
  if (n > 0) bf16_to_f16_kernel<<<blocks_for(n), kThreads, 0, s>>>(x, y, n);
}
void f16_to_f32(const Half* x, float* y, i64 n, Stream s) {
  if (n > 0) f16_to_f32_kernel<<<blocks_for(n), kThreads, 0, s>>>(x, y, n);
}

}  // namespace seedgrid::kernels::cuda
