// Elementwise ops and layout changes: each output element is read, computed in fp32 in the CPU
// kernels' order of operations, and rounded to fp16 once.
#include "kernels/cuda/common.cuh"

namespace seedgrid::kernels::cuda {
namespace {

__global__ void add_kernel(const Half* a, i64 n, const Half* b, i64 nb, Half* y) {
  SEEDGRID_GRID_STRIDE(i, n) { store(y, i, load(a, i) + load(b, nb == n ? i : i % nb)); }
}
__global__ void add_channelwise_kernel(const Half* x, const Half* v, Half* y, i64 n, i64 spatial) {
  SEEDGRID_GRID_STRIDE(i, n) { store(y, i, load(x, i) + load(v, i / spatial)); }
}
__global__ void axpby_kernel(float alpha, const Half* x, float beta, const Half* yin, Half* y,
                             i64 n) {
  SEEDGRID_GRID_STRIDE(i, n) { store(y, i, alpha * load(x, i) + beta * load(yin, i)); }
}
__global__ void scale_kernel(const Half* x, float alpha, Half* y, i64 n) {
  SEEDGRID_GRID_STRIDE(i, n) { store(y, i, load(x, i) * alpha); }
}
__global__ void guidance_kernel(const Half* u, const Half* c, float g, Half* y, i64 n) {
  SEEDGRID_GRID_STRIDE(i, n) {
    const float uv = load(u, i);
    store(y, i, uv + g * (load(c, i) - uv));
  }
}
__global__ void upsample_kernel(const Half* x, Half* y, i64 planes, i64 h, i64 w) {
  const i64 w2 = 2 * w, n = planes * 4 * h * w;
  SEEDGRID_GRID_STRIDE(i, n) {
    const i64 p = i / (4 * h * w), rest = i % (4 * h * w);
    const i64 oy = rest / w2, ox = rest % w2;
    reinterpret_cast<__half*>(y)[i] = as_half(x)[(p * h + oy / 2) * w + ox / 2];
  }
}
__global__ void concat_inner_kernel(const Half* a, i64 ia, const Half* b, i64 ib, Half* y,
                                    i64 outer) {
  const i64 row = ia + ib;
  SEEDGRID_GRID_STRIDE(i, outer * row) {
    const i64 o = i / row, j = i % row;
    as_half(y)[i] = j < ia ? as_half(a)[o * ia + j] : as_half(b)[o * ib + (j - ia)];
  }
}
// [B, R, S] -> [B, S, R] (R = channels for nchw_to_tokens, R = spatial for the inverse).
__global__ void transpose_kernel(const Half* x, Half* y, i64 batch, i64 rows, i64 cols) {
  SEEDGRID_GRID_STRIDE(i, batch * rows * cols) {
    const i64 b = i / (rows * cols), rest = i % (rows * cols);
    const i64 c = rest / rows, r = rest % rows;  // output index (b, c, r)
    as_half(y)[i] = as_half(x)[(b * rows + r) * cols + c];
  }
}
__global__ void embedding_kernel(const Half* table, i64 cols, const std::int32_t* ids, i64 count,
                                 Half* y) {
  SEEDGRID_GRID_STRIDE(i, count * cols) {
    as_half(y)[i] = as_half(table)[static_cast<i64>(ids[i / cols]) * cols + i % cols];
  }
}

}  // namespace

void add(const Half* a, i64 n, const Half* b, i64 nb, Half* y, Stream s) {
  if (n > 0) add_kernel<<<blocks_for(n), kThreads, 0, s>>>(a, n, b, nb, y);
}
void add_channelwise(const Half* x, const Half* v, Half* y, i64 planes, i64 spatial, Stream s) {
  const i64 n = planes * spatial;
  if (n > 0) add_channelwise_kernel<<<blocks_for(n), kThreads, 0, s>>>(x, v, y, n, spatial);
}
void axpby(float alpha, const Half* x, float beta, const Half* yin, Half* y, i64 n, Stream s) {
  if (n > 0) axpby_kernel<<<blocks_for(n), kThreads, 0, s>>>(alpha, x, beta, yin, y, n);
}
void scale(const Half* x, float alpha, Half* y, i64 n, Stream s) {
  if (n > 0) scale_kernel<<<blocks_for(n), kThreads, 0, s>>>(x, alpha, y, n);
}
void guidance(const Half* uncond, const Half* cond, float g, Half* y, i64 n, Stream s) {
  if (n > 0) guidance_kernel<<<blocks_for(n), kThreads, 0, s>>>(uncond, cond, g, y, n);
}
void upsample_nearest2x(const Half* x, Half* y, i64 planes, i64 height, i64 width, Stream s) {
  const i64 n = planes * 4 * height * width;
  if (n > 0) upsample_kernel<<<blocks_for(n), kThreads, 0, s>>>(x, y, planes, height, width);
}
void concat_inner(const Half* a, i64 inner_a, const Half* b, i64 inner_b, Half* y, i64 outer,
                  Stream s) {
  const i64 n = outer * (inner_a + inner_b);
  if (n > 0) concat_inner_kernel<<<blocks_for(n), kThreads, 0, s>>>(a, inner_a, b, inner_b, y, outer);
}
void nchw_to_tokens(const Half* x, Half* y, i64 batch, i64 channels, i64 spatial, Stream s) {
  const i64 n = batch * channels * spatial;
  if (n > 0) transpose_kernel<<<blocks_for(n), kThreads, 0, s>>>(x, y, batch, channels, spatial);
}
void tokens_to_nchw(const Half* x, Half* y, i64 batch, i64 channels, i64 spatial, Stream s) {
  const i64 n = batch * channels * spatial;
  if (n > 0) transpose_kernel<<<blocks_for(n), kThreads, 0, s>>>(x, y, batch, spatial, channels);
}
void embedding(const Half* table, i64 cols, const std::int32_t* ids, i64 count, Half* y, Stream s) {
  const i64 n = count * cols;
  if (n > 0) embedding_kernel<<<blocks_for(n), kThreads, 0, s>>>(table, cols, ids, count, y);
}

}  // namespace seedgrid::kernels::cuda
