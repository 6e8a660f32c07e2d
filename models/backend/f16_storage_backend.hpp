#pragma once
// An honest second determinism class without a GPU: the CPU kernels, but every weight is rounded to
// fp16 once and every network op's output is rounded to fp16 (round to nearest even), with fp32
// arithmetic inside each op. That is what a GPU backend storing weights and activations in fp16
// and accumulating in fp32 does to the numbers, so validators and the calibration bench can
// measure honest cross-class differences on any machine.
//
// Data movement (concat, upsample, layout changes) copies values as they are. Three things stay
// fp32, as the verification contract needs:
//   - gaussian_noise: noise is bit-identical on every backend;
//   - scale and axpby, the sampler's update ops: the latent state x_t stays fp32 (as k-diffusion
//     style samplers keep it), so x_0 = noise * sigma is the same bits in every class (the noise
//     audit compares leaf 0 bytewise);
//   - upload: a committed latent uploaded for replay_step/decode_latent must enter exactly as the
//     full render held it. Weights are therefore rounded where the ops take them (conv2d, linear,
//     group_norm, layer_norm, embedding), once per weight buffer, and cached; the networks' weight
//     matrices come through upload_matrix already in fp16, which the CPU kernels read directly.
//
// Deterministic and batch invariant exactly as CpuBackend is (rounding is elementwise).
#include <map>
#include <mutex>
#include <string>

#include "models/backend/backend.hpp"
#include "models/backend/cpu_backend.hpp"

namespace seedgrid {

class F16StorageBackend final : public Backend {
 public:
  explicit F16StorageBackend(int threads = 0);

  Device device() const override { return Device::cpu; }
  // Tensors stay f32 in memory; network activations hold only fp16-representable values.
  DType compute_dtype() const override { return DType::f32; }
  // The CPU class with "f32" replaced by "f16s": "cpu-<arch>-f16s-<kernel hash>".
  std::string determinism_class() const override;

  Tensor upload(const Tensor& host) override;
  // A network parameter: uploaded as it is and listed, so that the first op taking it as a weight
  // rounds it in place instead of keeping an fp16 copy beside the fp32 original.
  Tensor upload_weight(const Tensor& host) override;
  // A linear or conv2d weight or an embedding table: kept in fp16, which is its rounded form. An
  // f16 checkpoint's tensor stays where it lies (a view of the mapped file); f32 or bf16 ones are
  // rounded once into an fp16 tensor of half their size.
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
  // The fp16 form of a weight: a parameter rounded in place, else a copy made on first use (a
  // weight an op is handed directly, as tests do). Keyed by the weight's bytes; the entry keeps
  // the original alive so the address cannot be reused by another tensor.
  Tensor weight(const Tensor& w);
  const Tensor* weight(const Tensor* w, Tensor& slot);

  struct RoundedWeight {
    Tensor original;
    Tensor rounded;
  };
  CpuBackend cpu_;
  std::mutex mutex_;
  std::map<const void*, RoundedWeight> weights_;
  // Parameters upload_weight made, by address; held so an address stays theirs while listed.
  struct Param {
    Tensor tensor;
    bool rounded = false;
  };
  std::map<const void*, Param> params_;
};

// x rounded to the nearest fp16 value (ties to even), as an f32: half_to_float(float_to_half(x)),
// with a fast path for the normal range (every op output of the fp16-storage class goes through it).
float round_to_f16(float x);
// Rounds every element of a host f32 tensor to the nearest fp16 value (ties to even), in place.
void round_to_f16_in_place(Tensor& t);

}  // namespace seedgrid
