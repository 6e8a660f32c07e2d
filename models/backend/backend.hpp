#pragma once
// The op interface every compute backend implements (cpu/ in fp32 now, cuda/ in fp16 later).
// Models are written once against it. Layout conventions, shared by every backend:
//   images/feature maps  NCHW            [B, C, H, W]
//   token sequences      [B, L, C]       (rows of C contiguous values)
//   weights              as in diffusers: conv [Cout, Cin, kh, kw], linear [out, in]
// Determinism contract: for the same inputs every op produces the same bytes on the same
// determinism class, whatever the batch size or thread count: each output element is reduced in a
// fixed order that does not depend on how many other elements are computed beside it.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "models/tensor/tensor.hpp"

namespace seedgrid {

struct Conv2dGeometry {
  int stride = 1;
  int pad_begin = 0;  // top and left
  int pad_end = 0;    // bottom and right (the VAE encoder's downsample pads only here)
};

class Backend {
 public:
  virtual ~Backend() = default;

  virtual Device device() const = 0;
  // The precision activations are stored in (the CPU backend always uses f32).
  virtual DType compute_dtype() const = 0;
  // Backend, device architecture, precision and kernel build hash, e.g. "cpu-x86_64-f32-1a2b3c4d".
  // Two results are compared bytewise only when their classes are equal.
  virtual std::string determinism_class() const = 0;

  // Host tensor (any dtype) -> this backend's memory in compute_dtype().
  virtual Tensor upload(const Tensor& host) = 0;
  // A network's parameter, once, at load: a backend that stores weights in another precision
  // converts them here, so the network holds only the stored form (no second copy made later).
  virtual Tensor upload_weight(const Tensor& host) { return upload(host); }
  // A parameter that only ever reaches an op as linear's or conv2d's weight or embedding's table.
  // A backend whose kernels read the dtype it is stored in may keep it as it is, a view of the
  // mapped checkpoint with no copy (the CPU backends widen fp16 exactly as they pack it).
  virtual Tensor upload_matrix(const Tensor& host) { return upload_weight(host); }
  // Backend tensor -> host f32.
  virtual Tensor download(const Tensor& t) = 0;
  // Waits for queued work (a no-op on the CPU).
  virtual void synchronize() {}

  // --- convolution and normalisation ---
  // x [B, Cin, H, W], weight [Cout, Cin, kh, kw], bias [Cout] or nullptr.
  virtual Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor* bias,
                        Conv2dGeometry geometry) = 0;
  // x [B, C, H, W]; gamma, beta [C]; statistics per (batch, group); optional SiLU after the affine.
  virtual Tensor group_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, int groups,
                            float eps, bool fuse_silu) = 0;
  // Normalises over the last dimension; gamma, beta [C].
  virtual Tensor layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                            float eps) = 0;

  // --- dense ---
  // x [..., in], weight [out, in], bias [out] or nullptr -> [..., out].
  virtual Tensor linear(const Tensor& x, const Tensor& weight, const Tensor* bias) = 0;
  // Multi-head scaled dot-product attention, softmax(q kᵀ / sqrt(d)) v with d = C / heads.
  // q [B, Lq, C], k and v [B, Lk, C] -> [B, Lq, C]. `causal` masks key j > query i (CLIP).
  virtual Tensor attention(const Tensor& q, const Tensor& k, const Tensor& v, int heads,
                           bool causal) = 0;
  // Softmax over the last dimension.
  virtual Tensor softmax(const Tensor& x) = 0;
  // Rows of `table` [V, C] picked by `ids` -> [ids.size(), C].
  virtual Tensor embedding(const Tensor& table, std::span<const std::int32_t> ids) = 0;

  // --- activations ---
  // x [..., 2C] -> first_half * gelu(second_half) [..., C] (diffusers GEGLU: hidden, gate = chunk(2)).
  virtual Tensor geglu(const Tensor& x) = 0;
  virtual Tensor gelu(const Tensor& x) = 0;  // exact, with erf
  virtual Tensor quick_gelu(const Tensor& x) = 0;  // x * sigmoid(1.702 x)
  virtual Tensor silu(const Tensor& x) = 0;

  // --- shape and elementwise ---
  virtual Tensor upsample_nearest2x(const Tensor& x) = 0;  // [B, C, H, W] -> [B, C, 2H, 2W]
  // a + b. b has a's shape, or a's trailing dimensions (it is repeated over the leading ones).
  virtual Tensor add(const Tensor& a, const Tensor& b) = 0;
  // x [B, C, H, W] + v [B, C] broadcast over H and W (the ResNet time embedding).
  virtual Tensor add_channelwise(const Tensor& x, const Tensor& v) = 0;
  // alpha * x + beta * y, same shapes (sampler updates, scaling).
  virtual Tensor axpby(float alpha, const Tensor& x, float beta, const Tensor& y) = 0;
  virtual Tensor scale(const Tensor& x, float alpha) = 0;
  // Classifier-free guidance: uncond + g * (cond - uncond), computed in that order.
  virtual Tensor guidance(const Tensor& uncond, const Tensor& cond, float g) = 0;
  // Concatenation along the channel dimension of two NCHW tensors with equal B, H, W.
  virtual Tensor concat_channels(const Tensor& a, const Tensor& b) = 0;
  // Concatenation along the first dimension.
  virtual Tensor concat_batch(std::span<const Tensor> parts) = 0;
  // [B, C, H, W] <-> [B, H*W, C].
  virtual Tensor nchw_to_tokens(const Tensor& x) = 0;
  virtual Tensor tokens_to_nchw(const Tensor& x, std::int64_t height, std::int64_t width) = 0;

  // --- embeddings and noise ---
  // Sinusoidal timestep embedding [N, dim] as diffusers' get_timestep_embedding:
  // exponent = -ln(10000) * i / (dim/2 - freq_shift); [sin, cos] (or [cos, sin] when flipped).
  virtual Tensor timestep_embedding(std::span<const float> timesteps, int dim,
                                    bool flip_sin_to_cos, float freq_shift) = 0;
  // Standard normal noise from Philox4x32-10 keyed by (seed, stream); element i of the result is a
  // pure function of (seed, stream, counter_base + i), identical on every backend (kernels/philox.hpp).
  virtual Tensor gaussian_noise(const Shape& shape, std::uint64_t seed, std::uint32_t stream,
                                std::uint64_t counter_base) = 0;
};

}  // namespace seedgrid
