#pragma once
// Block-wide reductions with a fixed shape: each thread's partial, then a butterfly within each
// warp (__shfl_xor_sync, the same pairing every run), then the warps' results in ascending order.
// The result depends only on the block size, which the callers fix per kernel, never per shape.
#include "kernels/cuda/common.cuh"

namespace seedgrid::kernels::cuda {

template <int kBlock>
__device__ __forceinline__ float block_sum(float v, float* scratch /* kBlock / 32 floats */) {
  static_assert(kBlock % 32 == 0 && kBlock <= 1024);
  for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  __syncthreads();  // scratch may still be read by a previous reduction
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  float total = scratch[0];
  for (int w = 1; w < kBlock / 32; ++w) total += scratch[w];
  return total;
}

template <int kBlock>
__device__ __forceinline__ float block_max(float v, float* scratch) {
  for (int offset = 16; offset > 0; offset >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, offset));
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  __syncthreads();
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  float m = scratch[0];
  for (int w = 1; w < kBlock / 32; ++w) m = fmaxf(m, scratch[w]);
  return m;
}

}  // namespace seedgrid::kernels::cuda
