// Activations in fp32 registers over fp16 storage, one rounding per output. The formulas are the
// CPU's (kernels/cpu/math.hpp) with CUDA's expf and normcdff (both within 2 ulp in fp32), far
// inside what fp16 storage keeps.
#include "kernels/cuda/common.cuh"

namespace seedgrid::kernels::cuda {
namespace {

__device__ __forceinline__ float silu_f(float x) { return x / (1.0f + expf(-x)); }
__device__ __forceinline__ float quick_gelu_f(float x) { return x / (1.0f + expf(-1.702f * x)); }
__device__ __forceinline__ float gelu_f(float x) { return x * normcdff(x); }

__global__ void gelu_kernel(const Half* x, Half* y, i64 n) {
  SEEDGRID_GRID_STRIDE(i, n) { store(y, i, gelu_f(load(x, i))); }
}
__global__ void quick_gelu_kernel(const Half* x, Half* y, i64 n) {
  SEEDGRID_GRID_STRIDE(i, n) { store(y, i, quick_gelu_f(load(x, i))); }
}
__global__ void silu_kernel(const Half* x, Half* y, i64 n) {
  SEEDGRID_GRID_STRIDE(i, n) { store(y, i, silu_f(load(x, i))); }
}
// diffusers GEGLU: hidden, gate = x.chunk(2, -1); hidden · gelu(gate).
__global__ void geglu_kernel(const Half* x, Half* y, i64 rows, i64 cols) {
  SEEDGRID_GRID_STRIDE(i, rows * cols) {
    const i64 r = i / cols, c = i % cols;
    const Half* row = x + r * 2 * cols;
    store(y, i, load(row, c) * gelu_f(load(row, cols + c)));
  }
}

}  // namespace

void gelu(const Half* x, Half* y, i64 n, Stream s) {
  if (n > 0) gelu_kernel<<<blocks_for(n), kThreads, 0, s>>>(x, y, n);
}
void quick_gelu(const Half* x, Half* y, i64 n, Stream s) {
  if (n > 0) quick_gelu_kernel<<<blocks_for(n), kThreads, 0, s>>>(x, y, n);
}
void silu(const Half* x, Half* y, i64 n, Stream s) {
  if (n > 0) silu_kernel<<<blocks_for(n), kThreads, 0, s>>>(x, y, n);
}
void geglu(const Half* x, Half* y, i64 rows, i64 cols, Stream s) {
  if (rows * cols > 0) geglu_kernel<<<blocks_for(rows * cols), kThreads, 0, s>>>(x, y, rows, cols);
}

}  // namespace seedgrid::kernels::cuda
