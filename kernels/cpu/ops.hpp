#pragma once
// The reference CPU kernels: fp32, raw pointers and sizes, one op per .cpp file. Callers validate
// shapes; a kernel trusts its sizes. Outputs never alias inputs unless an op says so.
//
// Determinism: every output element is computed by one fixed sequence of fp32 operations that
// depends only on the op's sizes along the reduced dimension, never on how many other elements
// are computed beside it (batch size, number of rows) or on the thread count. Matrix products sum
// in ascending k with one fp32 accumulator starting at +0, a bias added after the sum; softmax and
// normalisation sums use fixed lane trees (see their ops) that depend only on the row length.
// exp, erf and the sigmoids come from kernels/cpu/math.hpp (plain arithmetic, not libm), so the
// bytes do not depend on the C library; only the timestep embedding and the Philox noise call
// libm, in double, on a handful of values per step.
#include <cstdint>

namespace seedgrid::kernels::cpu {

using i64 = std::int64_t;

// --- dense ---
// c[i, j] = Σ_k a[i, k] · b[j, k]   (b holds n rows of k values: "A times B transposed").
void gemm_nt(i64 m, i64 n, i64 k, const float* a, i64 lda, const float* b, i64 ldb, float* c,
             i64 ldc);
// c[i, j] = Σ_k a[i, k] · b[k, j].
void gemm_nn(i64 m, i64 n, i64 k, const float* a, i64 lda, const float* b, i64 ldb, float* c,
             i64 ldc);
// y[r, o] = Σ_i x[r, i] · w[o, i] + bias[o]; x [rows, in], w [out, in], bias [out] or nullptr.
void linear(const float* x, i64 rows, i64 in, const float* w, i64 out, const float* bias, float* y);
// The same over weights stored as IEEE binary16 bits (a checkpoint's fp16 weights, read where they
// lie): each is widened exactly to fp32 as it is packed, so y is byte for byte the fp32 op's on
// the widened weights. conv2d and embedding below take fp16 weights the same way.
void linear(const float* x, i64 rows, i64 in, const std::uint16_t* w, i64 out, const float* bias,
            float* y);

struct ConvShape {
  i64 batch = 1, in_channels = 0, height = 0, width = 0;
  i64 out_channels = 0, kernel_h = 1, kernel_w = 1;
  i64 stride = 1, pad_begin = 0, pad_end = 0;  // pad_begin: top/left, pad_end: bottom/right
  i64 out_height() const { return (height + pad_begin + pad_end - kernel_h) / stride + 1; }
  i64 out_width() const { return (width + pad_begin + pad_end - kernel_w) / stride + 1; }
};
// x [B, Cin, H, W], w [Cout, Cin, kh, kw], bias [Cout] or nullptr -> y [B, Cout, Ho, Wo].
// Each output sums over (ci, ky, kx) in that lexicographic order; padding contributes +0 terms.
void conv2d(const ConvShape& s, const float* x, const float* w, const float* bias, float* y);
void conv2d(const ConvShape& s, const float* x, const std::uint16_t* w, const float* bias,
            float* y);

// Multi-head attention: q [B, Lq, C], k and v [B, Lk, C], out [B, Lq, C], head h owning channels
// [h·d, (h+1)·d) with d = C / heads. s_j = fl(q·k_j over d ascending) · fl(1/sqrt(d)),
// e_j = exp(s_j - max s) (causal: keys j > query i get e_j = 0), out = (Σ_j e_j · v_j in
// ascending j) / Σ_j e_j, the denominator summed as in softmax.
void attention(const float* q, const float* k, const float* v, float* out, i64 batch, i64 lq,
               i64 lk, i64 channels, i64 heads, bool causal);

// Softmax over rows of `cols` values: e = exp(x - max), sum of e over 8 lanes (j into lane j % 8)
// combined as ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7)), y = e / sum. y may equal x.
void softmax(const float* x, float* y, i64 rows, i64 cols);

// --- normalisation (statistics in double, biased variance as PyTorch) ---
// x, y [B, C, spatial]; statistics per (batch, group of C/groups channels).
void group_norm(const float* x, float* y, i64 batch, i64 channels, i64 spatial, i64 groups,
                const float* gamma, const float* beta, float eps, bool fuse_silu);
// x, y [rows, cols]; normalised over each row.
void layer_norm(const float* x, float* y, i64 rows, i64 cols, const float* gamma, const float* beta,
                float eps);

// --- gathers, activations, elementwise ---
// y[r] = table[ids[r]] for rows of `cols` values; ids must be in [0, table rows).
void embedding(const float* table, i64 cols, const std::int32_t* ids, i64 count, float* y);
void embedding(const std::uint16_t* table, i64 cols, const std::int32_t* ids, i64 count, float* y);
// x [rows, 2·cols] -> y [rows, cols] = x[:, :cols] · gelu(x[:, cols:]).
void geglu(const float* x, float* y, i64 rows, i64 cols);
void gelu(const float* x, float* y, i64 n);        // x · Φ(x), exact (erf) GELU
void quick_gelu(const float* x, float* y, i64 n);  // x · sigmoid(1.702 x)
void silu(const float* x, float* y, i64 n);        // x · sigmoid(x)
// [planes, H, W] -> [planes, 2H, 2W].
void upsample_nearest2x(const float* x, float* y, i64 planes, i64 height, i64 width);
// y[i] = a[i] + b[i % nb] (nb == n: same shape; nb < n: b repeated over leading dimensions).
void add(const float* a, i64 n, const float* b, i64 nb, float* y);
// x, y [planes, spatial]; y = x + v[plane].
void add_channelwise(const float* x, const float* v, float* y, i64 planes, i64 spatial);
void axpby(float alpha, const float* x, float beta, const float* yin, float* y, i64 n);
void scale(const float* x, float alpha, float* y, i64 n);
// y = uncond + g · (cond - uncond).
void guidance(const float* uncond, const float* cond, float g, float* y, i64 n);

// --- layout ---
// Concatenates per leading index: y[o] = [a[o] (inner_a values), b[o] (inner_b values)].
void concat_inner(const float* a, i64 inner_a, const float* b, i64 inner_b, float* y, i64 outer);
// [B, C, S] <-> [B, S, C].
void nchw_to_tokens(const float* x, float* y, i64 batch, i64 channels, i64 spatial);
void tokens_to_nchw(const float* x, float* y, i64 batch, i64 channels, i64 spatial);

// --- embeddings and noise ---
// diffusers get_timestep_embedding (max_period 10000, scale 1) with its float32 steps:
// freq_i = exp(f32(-ln 10000) · i / (half - freq_shift)), arg = f32(t · freq_i), then sin and
// cos of arg (computed in double, rounded). y [count, dim]; [sin, cos] or [cos, sin] when
// flipped; an odd dim gets a trailing zero column.
void timestep_embedding(const float* timesteps, i64 count, i64 dim, bool flip_sin_to_cos,
                        float freq_shift, float* y);
// out[i] = element counter_base + i of the Philox normal stream (kernels/philox.hpp).
void philox_normal_fill(float* out, i64 n, std::uint64_t seed, std::uint32_t stream,
                        std::uint64_t counter_base);

// First 8 hex digits of the SHA-256 over the kernel sources, computed by CMake at configure time.
const char* build_hash();

}  // namespace seedgrid::kernels::cpu
