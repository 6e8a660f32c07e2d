#pragma once
// The reference backend: host memory, fp32, the deterministic kernels of kernels/cpu/. Every
// image a validator audits on the CPU is rendered through it.
//
// Tensors it returns are host f32 tensors of their own (inputs are never written). Weights of
// linear, conv2d and embedding may also be host f16 (upload_matrix). A shape or
// dtype that does not fit an op is a programming error in the caller: the op prints the op name
// and the shapes involved, and aborts.
#include <string>

#include "models/backend/backend.hpp"

namespace seedgrid {

class CpuBackend final : public Backend {
 public:
  // `threads`: threads each op may use; 0 takes the process default
  // (kernels::cpu::set_thread_count, hardware concurrency unless set). Results are the same bytes
  // for every thread count.
  explicit CpuBackend(int threads = 0);

  int threads() const { return threads_; }

  Device device() const override { return Device::cpu; }
  DType compute_dtype() const override { return DType::f32; }
  // "cpu-<arch>-f32-<first 8 hex digits of the SHA-256 of the kernel sources>".
  std::string determinism_class() const override;

  Tensor upload(const Tensor& host) override;
  // f32 and f16 matrices stay where they lie (the mapped checkpoint): linear, conv2d and embedding
  // read f16 weights and widen them exactly, so the bytes are those of widened copies.
  Tensor upload_matrix(const Tensor& host) override;
  Tensor download(const Tensor& t) override;

  Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor* bias,
                Conv2dGeometry geometry) override;
  Tensor group_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, int groups, float eps,
                    bool fuse_silu) override;
  Tensor layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, float eps) override;

  Tensor linear(const Tensor& x, const Tensor& weight, const Tensor* bias) override;
  Tensor attention(const Tensor& q, const Tensor& k, const Tensor& v, int heads,
                   bool causal) override;
  Tensor softmax(const Tensor& x) override;
  Tensor embedding(const Tensor& table, std::span<const std::int32_t> ids) override;

  Tensor geglu(const Tensor& x) override;
  Tensor gelu(const Tensor& x) override;
  Tensor quick_gelu(const Tensor& x) override;
  Tensor silu(const Tensor& x) override;

  Tensor upsample_nearest2x(const Tensor& x) override;
  Tensor add(const Tensor& a, const Tensor& b) override;
  Tensor add_channelwise(const Tensor& x, const Tensor& v) override;
  Tensor axpby(float alpha, const Tensor& x, float beta, const Tensor& y) override;
  Tensor scale(const Tensor& x, float alpha) override;
  Tensor guidance(const Tensor& uncond, const Tensor& cond, float g) override;
  Tensor concat_channels(const Tensor& a, const Tensor& b) override;
  Tensor concat_batch(std::span<const Tensor> parts) override;
  Tensor nchw_to_tokens(const Tensor& x) override;
  Tensor tokens_to_nchw(const Tensor& x, std::int64_t height, std::int64_t width) override;

  Tensor timestep_embedding(std::span<const float> timesteps, int dim, bool flip_sin_to_cos,
                            float freq_shift) override;
  Tensor gaussian_noise(const Shape& shape, std::uint64_t seed, std::uint32_t stream,
                        std::uint64_t counter_base) override;

 private:
  int threads_;
};

}  // namespace seedgrid
