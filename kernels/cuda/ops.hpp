#pragma once
// The CUDA kernels as a host C++ API: raw device pointers and sizes, like kernels/cpu/ops.hpp,
// and no CUDA header, so the backend (models/backend/cuda_backend.cpp) compiles as plain C++.
//
// Storage is IEEE fp16 (`Half` pointers hold the bits), every reduction accumulates in fp32 in a
// fixed order, and every launch is asynchronous on the stream it is given. Device errors (a failed
// launch, an illegal address) surface at the next synchronize() as an error message.
//
// Determinism: each output element is computed by one sequence of operations that depends only
// on the op's sizes along the reduced dimension, never on how many rows, images or tiles are
// computed beside it. In particular the GEMM and convolution kernels use one tile configuration
// for every shape, sum K in ascending order in one fp32 accumulator per element (no split-K), and
// pad the K tail with zeros; the attention kernel walks key tiles in ascending order.
#include <cstdint>
#include <string>

struct CUstream_st;  // cudaStream_t without the CUDA headers

namespace seedgrid::kernels::cuda {

using i64 = std::int64_t;
using Half = std::uint16_t;  // fp16 bits in device memory
using Stream = CUstream_st*;

// --- device and memory (runtime.cu) ---
struct DeviceInfo {
  int ordinal = 0;
  std::string name;        // "NVIDIA H100 80GB HBM3"
  int major = 0, minor = 0;  // compute capability
  std::size_t memory_bytes = 0;
};
// The first CUDA device, or why there is none ("cudaGetDeviceCount: no CUDA-capable device is
// detected", "0 CUDA devices"). Never aborts: a build with CUDA runs on machines without a GPU.
bool first_device(DeviceInfo* info, std::string* why);
// Empty when fine, else the message of the failed call (prefixed with `what`).
std::string select_device(int ordinal);
std::string device_malloc(void** ptr, std::size_t bytes);
void device_free(void* ptr);
std::string stream_create(Stream* stream);
void stream_destroy(Stream stream);
// Waits for the stream; returns the first error of its work, or empty.
std::string synchronize(Stream stream);
// Asynchronous with respect to the host only for pinned memory; callers synchronize before
// reading a download.
std::string copy_to_device(void* dst, const void* src, std::size_t bytes, Stream stream);
std::string copy_to_host(void* dst, const void* src, std::size_t bytes, Stream stream);
std::string copy_device(void* dst, const void* src, std::size_t bytes, Stream stream);
// The error of the last launch on this thread, or empty (clears it).
std::string last_launch_error();

// --- conversion (convert.cu): round to nearest even, as models/tensor/half.hpp ---
void f32_to_f16(const float* x, Half* y, i64 n, Stream s);
void bf16_to_f16(const std::uint16_t* x, Half* y, i64 n, Stream s);
void f16_to_f32(const Half* x, float* y, i64 n, Stream s);

// --- dense (gemm.cu) ---
// y[r, o] = Σ_i x[r, i] · w[o, i] + bias[o]: x [rows, in], w [out, in], bias [out] or nullptr.
void linear(const Half* x, i64 rows, i64 in, const Half* w, i64 out, const Half* bias, Half* y,
            Stream s);

// --- convolution (conv2d.cu): implicit GEMM on tensor cores ---
struct ConvShape {
  i64 batch = 1, in_channels = 0, height = 0, width = 0;
  i64 out_channels = 0, kernel_h = 1, kernel_w = 1;
  i64 stride = 1, pad_begin = 0, pad_end = 0;
  i64 out_height() const { return (height + pad_begin + pad_end - kernel_h) / stride + 1; }
  i64 out_width() const { return (width + pad_begin + pad_end - kernel_w) / stride + 1; }
};
// x [B, Cin, H, W], w [Cout, Cin, kh, kw], bias [Cout] or nullptr -> y [B, Cout, Ho, Wo]; the
// reduction runs over (ci, ky, kx) in that order, as on the CPU.
void conv2d(const ConvShape& shape, const Half* x, const Half* w, const Half* bias, Half* y,
            Stream s);

// --- attention (attention.cu): one pass, online softmax, key tiles in ascending order ---
// q [B, Lq, C], k and v [B, Lk, C] -> out [B, Lq, C], d = C / heads; causal masks key j > i.
void attention(const Half* q, const Half* k, const Half* v, Half* out, i64 batch, i64 lq, i64 lk,
               i64 channels, i64 heads, bool causal, Stream s);
void softmax(const Half* x, Half* y, i64 rows, i64 cols, Stream s);

// --- normalisation (norm.cu): statistics per block in fp32 over a fixed-shape tree ---
void group_norm(const Half* x, Half* y, i64 batch, i64 channels, i64 spatial, i64 groups,
                const Half* gamma, const Half* beta, float eps, bool fuse_silu, Stream s);
void layer_norm(const Half* x, Half* y, i64 rows, i64 cols, const Half* gamma, const Half* beta,
                float eps, Stream s);

// --- activations and elementwise (activations.cu, elementwise.cu) ---
void geglu(const Half* x, Half* y, i64 rows, i64 cols, Stream s);
void gelu(const Half* x, Half* y, i64 n, Stream s);
void quick_gelu(const Half* x, Half* y, i64 n, Stream s);
void silu(const Half* x, Half* y, i64 n, Stream s);
void upsample_nearest2x(const Half* x, Half* y, i64 planes, i64 height, i64 width, Stream s);
void add(const Half* a, i64 n, const Half* b, i64 nb, Half* y, Stream s);
void add_channelwise(const Half* x, const Half* v, Half* y, i64 planes, i64 spatial, Stream s);
void axpby(float alpha, const Half* x, float beta, const Half* yin, Half* y, i64 n, Stream s);
void scale(const Half* x, float alpha, Half* y, i64 n, Stream s);
void guidance(const Half* uncond, const Half* cond, float g, Half* y, i64 n, Stream s);
void concat_inner(const Half* a, i64 inner_a, const Half* b, i64 inner_b, Half* y, i64 outer,
                  Stream s);
void nchw_to_tokens(const Half* x, Half* y, i64 batch, i64 channels, i64 spatial, Stream s);
void tokens_to_nchw(const Half* x, Half* y, i64 batch, i64 channels, i64 spatial, Stream s);
// ids on the device; the caller checks they are inside the table.
void embedding(const Half* table, i64 cols, const std::int32_t* ids, i64 count, Half* y, Stream s);

// --- noise (noise.cu) ---
// out[i] = element counter_base + i of the Philox normal stream (kernels/philox.hpp), in f32.
// The integer part and u(x) are exact on the device; the device's double log/sqrt/cos/sin may
// differ from the host libm's by an ulp or two, which changes the rounded float only when the
// double result lies next to a rounding boundary of float. Such elements (about 1 in 2^19) are
// listed in `suspects` (device memory for `capacity` indices, count in *suspect_count on the
// device); the caller recomputes them on the host with kernels/philox.hpp, so the result is the
// CPU's bits. An overflowing list is reported by a count above capacity.
void philox_normal(float* out, i64 n, std::uint64_t seed, std::uint32_t stream,
                   std::uint64_t counter_base, std::uint64_t* suspects,
                   std::uint32_t* suspect_count, std::uint32_t capacity, Stream s);

}  // namespace seedgrid::kernels::cuda
