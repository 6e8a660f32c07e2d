// Softmax over rows: one block per row, max then Σ exp(x - max) through reduce.cuh's fixed tree,
// y = e / Σ in fp32, rounded once.
#include "kernels/cuda/reduce.cuh"

namespace seedgrid::kernels::cuda {
namespace {

constexpr int kSoftmaxThreads = 256;

__global__ void __launch_bounds__(kSoftmaxThreads)
    softmax_kernel(const Half* x, Half* y, i64 cols) {
  __shared__ float scratch[kSoftmaxThreads / 32];
  const __half* in = as_half(x) + static_cast<i64>(blockIdx.x) * cols;
  __half* out = as_half(y) + static_cast<i64>(blockIdx.x) * cols;
  float m = -INFINITY;
  bool nan = false;
  for (i64 j = threadIdx.x; j < cols; j += kSoftmaxThreads) {
    const float v = __half2float(in[j]);
    nan = nan || isnan(v);
    m = fmaxf(m, v);
  }
  m = block_max<kSoftmaxThreads>(m, scratch);
  float s = 0.0f;
  for (i64 j = threadIdx.x; j < cols; j += kSoftmaxThreads) s += expf(__half2float(in[j]) - m);
  // fmaxf drops NaN; a NaN input must still reach every output, as on the CPU.
  if (nan) s = NAN;
  const float total = block_sum<kSoftmaxThreads>(s, scratch);
  for (i64 j = threadIdx.x; j < cols; j += kSoftmaxThreads)
    out[j] = __float2half_rn(expf(__half2float(in[j]) - m) / total);
}

}  // namespace

void softmax(const Half* x, Half* y, i64 rows, i64 cols, Stream s) {
  if (rows * cols == 0) return;
  softmax_kernel<<<static_cast<unsigned>(rows), kSoftmaxThreads, 0, s>>>(x, y, cols);
}

}  // namespace seedgrid::kernels::cuda
