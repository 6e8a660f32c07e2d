// Philox gaussian noise on the device, the bits of kernels/philox.hpp. The counter arithmetic,
// Philox rounds and u(x) are integer or exact double operations, identical here; only
// log, sqrt, cos and sin can differ from the host's libm (CUDA's double versions are within
// 1-2 ulp, glibc's within 1). The float result differs only when the double value r·cos(θ) lies
// within a few double ulp of a point halfway between two floats. We flag every element whose
// double value is within a relative 2^-44 of such a point (≈ 2^-19 of all elements, orders of
// magnitude wider than the libraries' disagreement) and the caller recomputes those on the host.
// The flag list is appended with an atomic counter: its order varies between runs, but each
// entry only names an element to recompute, so the output bits do not.
#include "kernels/cuda/common.cuh"
#include "kernels/philox.hpp"

namespace seedgrid::kernels::cuda {
namespace {

constexpr double kMargin = 1.0 / 17592186044416.0;  // 2^-44

__device__ __forceinline__ bool near_float_tie(double v) {
  const float lo = __double2float_rn(v * (1.0 - kMargin));
  const float hi = __double2float_rn(v * (1.0 + kMargin));
  return lo != hi;
}

// One thread per Philox block of four elements, covering elements [counter_base, +n).
__global__ void philox_kernel(float* out, i64 n, std::uint64_t seed, std::uint32_t stream,
                              std::uint64_t counter_base, std::uint64_t* suspects,
                              std::uint32_t* suspect_count, std::uint32_t capacity) {
  constexpr double kPi = 3.141592653589793;
  // Counters wrap modulo 2^64, so block numbers (e / 4) wrap modulo 2^62.
  constexpr std::uint64_t kBlockMask = (std::uint64_t{1} << 62) - 1;
  const std::uint64_t first_block = counter_base / 4;
  const std::uint64_t last_block = (counter_base + static_cast<std::uint64_t>(n) - 1) / 4;
  const std::uint64_t blocks = ((last_block - first_block) & kBlockMask) + 1;
  for (std::uint64_t t = static_cast<std::uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
       t < blocks; t += static_cast<std::uint64_t>(gridDim.x) * blockDim.x) {
    const std::uint64_t block = (first_block + t) & kBlockMask;
    const Philox4x32 x =
        philox4x32_10(Philox4x32{{static_cast<std::uint32_t>(block),
                                  static_cast<std::uint32_t>(block >> 32), stream, 0u}},
                      static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32));
    for (int lane = 0; lane < 4; ++lane) {
      const std::uint64_t e = block * 4 + lane;
      const std::uint64_t i = e - counter_base;  // wraps like the host's counter
      if (i >= static_cast<std::uint64_t>(n)) continue;
      const int pair = lane / 2;
      const double ua = philox_uniform_open(x.v[2 * pair]);
      const double ub = philox_uniform_open(x.v[2 * pair + 1]);
      const double r = sqrt(-2.0 * log(ua));
      const double theta = 2.0 * kPi * ub;
      const double v = (lane % 2 == 0) ? r * cos(theta) : r * sin(theta);
      out[i] = __double2float_rn(v);
      if (near_float_tie(v)) {
        const std::uint32_t slot = atomicAdd(suspect_count, 1u);
        if (slot < capacity) suspects[slot] = i;
      }
    }
  }
}

}  // namespace

void philox_normal(float* out, i64 n, std::uint64_t seed, std::uint32_t stream,
                   std::uint64_t counter_base, std::uint64_t* suspects,
                   std::uint32_t* suspect_count, std::uint32_t capacity, Stream s) {
  cudaMemsetAsync(suspect_count, 0, sizeof(std::uint32_t), s);
  if (n <= 0) return;
  const i64 blocks = n / 4 + 2;
  philox_kernel<<<blocks_for(blocks), kThreads, 0, s>>>(out, n, seed, stream, counter_base,
                                                        suspects, suspect_count, capacity);
}

}  // namespace seedgrid::kernels::cuda
