// GroupNorm (+SiLU) and LayerNorm. One block per statistic (a (batch, group) or a row): every
// thread sums its strided elements in ascending order, then reduce.cuh combines the threads in a
// fixed tree. Two passes (mean, then the mean of squared deviations, biased as PyTorch), then
// y = ((x - mean) · rstd) · gamma + beta in fp32, rounded once, as the CPU kernels write it.
#include "kernels/cuda/reduce.cuh"

namespace seedgrid::kernels::cuda {
namespace {

constexpr int kNormThreads = 512;

// Mean and rstd of the n values at x, for every thread of the block.
__device__ void moments(const __half* x, i64 n, float eps, float* scratch, float* mean,
                        float* rstd) {
  float s = 0.0f;
  for (i64 j = threadIdx.x; j < n; j += kNormThreads) s += __half2float(x[j]);
  const float mu = block_sum<kNormThreads>(s, scratch) / static_cast<float>(n);
  float sq = 0.0f;
  for (i64 j = threadIdx.x; j < n; j += kNormThreads) {
    const float d = __half2float(x[j]) - mu;
    sq += d * d;
  }
  const float var = block_sum<kNormThreads>(sq, scratch) / static_cast<float>(n);
  *mean = mu;
  *rstd = 1.0f / sqrtf(var + eps);
}

__global__ void __launch_bounds__(kNormThreads)
    group_norm_kernel(const Half* x, Half* y, i64 channels, i64 spatial, i64 groups,
                      const Half* gamma, const Half* beta, float eps, bool fuse_silu) {
  __shared__ float scratch[kNormThreads / 32];
  const i64 bg = blockIdx.x;  // batch * groups + group
  const i64 per_group = channels / groups, n = per_group * spatial;
  const i64 first_channel = (bg % groups) * per_group;
  const __half* in = as_half(x) + bg * n;
  __half* out = as_half(y) + bg * n;
  float mu, rs;
  moments(in, n, eps, scratch, &mu, &rs);
  for (i64 j = threadIdx.x; j < n; j += kNormThreads) {
    const i64 c = first_channel + j / spatial;
    float v = ((__half2float(in[j]) - mu) * rs) * load(gamma, c) + load(beta, c);
    if (fuse_silu) v = v / (1.0f + expf(-v));
    out[j] = __float2half_rn(v);
  }
}

__global__ void __launch_bounds__(kNormThreads)
    layer_norm_kernel(const Half* x, Half* y, i64 cols, const Half* gamma, const Half* beta,
                      float eps) {
  __shared__ float scratch[kNormThreads / 32];
  const __half* in = as_half(x) + static_cast<i64>(blockIdx.x) * cols;
  __half* out = as_half(y) + static_cast<i64>(blockIdx.x) * cols;
  float mu, rs;
  moments(in, cols, eps, scratch, &mu, &rs);
  for (i64 c = threadIdx.x; c < cols; c += kNormThreads)
    out[c] = __float2half_rn(((__half2float(in[c]) - mu) * rs) * load(gamma, c) + load(beta, c));
}

}  // namespace

void group_norm(const Half* x, Half* y, i64 batch, i64 channels, i64 spatial, i64 groups,
                const Half* gamma, const Half* beta, float eps, bool fuse_silu, Stream s) {
  if (batch * channels * spatial == 0) return;
  group_norm_kernel<<<static_cast<unsigned>(batch * groups), kNormThreads, 0, s>>>(
      x, y, channels, spatial, groups, gamma, beta, eps, fuse_silu);
}

void layer_norm(const Half* x, Half* y, i64 rows, i64 cols, const Half* gamma, const Half* beta,
                float eps, Stream s) {
  if (rows * cols == 0) return;
  layer_norm_kernel<<<static_cast<unsigned>(rows), kNormThreads, 0, s>>>(x, y, cols, gamma, beta,
                                                                          eps);
}

}  // namespace seedgrid::kernels::cuda
