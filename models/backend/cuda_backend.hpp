#pragma once
// The GPU backend: fp16 activations and weights in device memory, fp32 accumulation, the
// deterministic kernels of kernels/cuda/. Built only when CMake enables CUDA (SEEDGRID_HAVE_CUDA);
// this header includes no CUDA header.
//
// Weights are converted to fp16 once, on upload. Memory comes from a caching allocator (freed
// blocks are kept per size and reused, so a render loop stops calling cudaMalloc after its first
// step). All work is queued on one stream; download() and gaussian_noise() wait for it.
//
// As in CpuBackend, a shape or dtype that does not fit an op is a programming error: the op prints
// the op name and the shapes and aborts. A device error (out of memory, a failed launch) throws
// DeviceFault, which the pipeline returns as an error.
//
// Later work (issue 5, kernels/cuda/README.md): the denoising step captured in a CUDA graph, one
// stream per job batch with no host wait between steps, bf16 storage.
#include <memory>
#include <string>

#include "models/backend/backend.hpp"
#include "models/result.hpp"

namespace seedgrid {

class CudaBackend final : public Backend {
 public:
  // The backend on the first CUDA device, or an error starting "no CUDA device: " when the
  // driver reports none (a machine without a GPU or driver) or the device cannot be used.
  static Result<std::unique_ptr<CudaBackend>> create();
  ~CudaBackend() override;
  CudaBackend(const CudaBackend&) = delete;
  CudaBackend& operator=(const CudaBackend&) = delete;

  // "NVIDIA H100 80GB HBM3", compute capability "9.0".
  const std::string& device_name() const;
  std::string compute_capability() const;
  // Bytes held by the caching allocator (in use or cached).
  std::size_t reserved_bytes() const;
  // cudaMalloc calls so far: a render loop must stop making them after its first step.
  std::uint64_t device_allocations() const;

  Device device() const override { return Device::cuda; }
  DType compute_dtype() const override { return DType::f16; }
  // "cuda-sm<major><minor>-<gpu name>-f16-<first 8 hex digits of the SHA-256 of kernels/cuda
  // sources>" (models/backend/determinism_class.hpp).
  std::string determinism_class() const override;

  Tensor upload(const Tensor& host) override;
  Tensor download(const Tensor& t) override;
  void synchronize() override;

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

  // The noise kernel's own f32 output (before the fp16 storage rounding), downloaded: bitwise
  // kernels/philox.hpp. For the tests of the noise contract.
  Tensor gaussian_noise_f32(const Shape& shape, std::uint64_t seed, std::uint32_t stream,
                            std::uint64_t counter_base);

  struct State;  // device, stream, allocator (cuda_backend.cpp)

 private:
  explicit CudaBackend(std::unique_ptr<State> state);
  // Device f32 noise with the flagged elements recomputed on the host: the CPU's bits.
  Tensor noise_f32(const Shape& shape, std::uint64_t seed, std::uint32_t stream,
                   std::uint64_t counter_base);
  std::unique_ptr<State> state_;
};

}  // namespace seedgrid
