#pragma once
// Shared by the .cu files (never included from host C++): fp16 loads and stores, launch sizes.
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>

#include "kernels/cuda/ops.hpp"

namespace seedgrid::kernels::cuda {

__device__ __forceinline__ float load(const Half* p, i64 i) {
  return __half2float(reinterpret_cast<const __half*>(p)[i]);
}
__device__ __forceinline__ void store(Half* p, i64 i, float v) {
  reinterpret_cast<__half*>(p)[i] = __float2half_rn(v);
}
__host__ __device__ __forceinline__ const __half* as_half(const Half* p) {
  return reinterpret_cast<const __half*>(p);
}
__host__ __device__ __forceinline__ __half* as_half(Half* p) { return reinterpret_cast<__half*>(p); }

// Elementwise launches: 256 threads, a grid-stride loop over at most 65535·8 blocks.
constexpr int kThreads = 256;
inline unsigned blocks_for(i64 n) {
  const i64 b = (n + kThreads - 1) / kThreads;
  return static_cast<unsigned>(b < 1 ? 1 : (b > 65535 * 8 ? 65535 * 8 : b));
}

#define SEEDGRID_GRID_STRIDE(i, n)                                                       \
  for (::seedgrid::kernels::cuda::i64 i =                                                \
           static_cast<::seedgrid::kernels::cuda::i64>(blockIdx.x) * blockDim.x + threadIdx.x; \
       i < (n); i += static_cast<::seedgrid::kernels::cuda::i64>(gridDim.x) * blockDim.x)

}  // namespace seedgrid::kernels::cuda
