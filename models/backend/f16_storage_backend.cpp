#include "models/backend/f16_storage_backend.hpp"

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "models/tensor/half.hpp"

namespace seedgrid {

namespace {

// Rounds an op's output. Most outputs are fresh buffers, rounded in place; an op may also hand back
// its input or a view of it (a one-part concat, a reshape), and an input must never change, so a
// buffer anyone else holds is copied first.
Tensor stored(Tensor t) {
  if (t.buffer().use_count() > 1) {
    Tensor copy = Tensor::host(t.shape());
    std::memcpy(copy.raw(), t.raw(), t.bytes());
    t = std::move(copy);
  }
  round_to_f16_in_place(t);
  return t;
}

}  // namespace

float round_to_f16(float x) {
  // Normal fp16 range, the common case: round the fp32 mantissa to 10 bits, ties to even, in the
  // integer bits (a carry moves into the exponent as fp16's does). Zero, subnormal results and
  // overflow take the full conversion; both paths give half_to_float(float_to_half(x)).
  const auto bits = std::bit_cast<std::uint32_t>(x);
  const std::uint32_t magnitude = bits & 0x7fffffffu;
  if (magnitude >= 0x38800000u && magnitude < 0x477ff000u) {
    const std::uint32_t rounded = (bits + 0x0fffu + ((bits >> 13) & 1u)) & 0xffffe000u;
    return std::bit_cast<float>(rounded);
  }
  return half_to_float(float_to_half(x));
}

void round_to_f16_in_place(Tensor& t) {
  float* p = t.f32();
  const auto n = static_cast<std::size_t>(t.numel());
  for (std::size_t i = 0; i < n; ++i) p[i] = round_to_f16(p[i]);
}

F16StorageBackend::F16StorageBackend(int threads) : cpu_(threads) {}

std::string F16StorageBackend::determinism_class() const {
  std::string c = cpu_.determinism_class();
  const auto at = c.find("-f32-");
  if (at != std::string::npos) c.replace(at, 5, "-f16s-");
  return c;
}

Tensor F16StorageBackend::upload_weight(const Tensor& host) {
  Tensor param = cpu_.upload(host);  // always a fresh buffer of this backend's own
  std::lock_guard lock(mutex_);
  params_.insert_or_assign(param.raw(), Param{param, false});
  return param;
}

Tensor F16StorageBackend::upload_matrix(const Tensor& host) {
  if (host.device() == Device::cpu && host.dtype() == DType::f16) return host;
  return host_to_dtype(host, DType::f16);
}

Tensor F16StorageBackend::weight(const Tensor& w) {
  if (w.dtype() == DType::f16) return w;  // fp16 values: rounding them changes nothing
  std::lock_guard lock(mutex_);
  // A network parameter is rounded where it lies, the first time an op takes it as a weight: the
  // network holds only that one buffer. (A parameter only ever added, not multiplied, such as a
  // bias an op adds itself, stays as loaded, exactly as with the copies made below.)
  if (auto p = params_.find(w.raw()); p != params_.end()) {
    if (!p->second.rounded) {
      Tensor whole = p->second.tensor;
      round_to_f16_in_place(whole);
      p->second.rounded = true;
    }
    return w;
  }
  auto it = weights_.find(w.raw());
  if (it != weights_.end() && it->second.original.shape() == w.shape()) return it->second.rounded;
  Tensor rounded = Tensor::host(w.shape());
  std::memcpy(rounded.raw(), w.raw(), w.bytes());
  round_to_f16_in_place(rounded);
  weights_.insert_or_assign(w.raw(), RoundedWeight{w, rounded});
  return rounded;
}

const Tensor* F16StorageBackend::weight(const Tensor* w, Tensor& slot) {
  if (w == nullptr) return nullptr;
  slot = weight(*w);
  return &slot;
}

// Not rounded here: see the header (weights are rounded where the ops take them).
Tensor F16StorageBackend::upload(const Tensor& host) { return cpu_.upload(host); }
Tensor F16StorageBackend::download(const Tensor& t) { return cpu_.download(t); }

Tensor F16StorageBackend::conv2d(const Tensor& x, const Tensor& weight, const Tensor* bias,
                                 Conv2dGeometry geometry) {
  Tensor b;
  return stored(cpu_.conv2d(x, this->weight(weight), this->weight(bias, b), geometry));
}
Tensor F16StorageBackend::group_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                                     int groups, float eps, bool fuse_silu) {
  return stored(cpu_.group_norm(x, weight(gamma), weight(beta), groups, eps, fuse_silu));
}
Tensor F16StorageBackend::layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                                     float eps) {
  return stored(cpu_.layer_norm(x, weight(gamma), weight(beta), eps));
}
Tensor F16StorageBackend::linear(const Tensor& x, const Tensor& weight, const Tensor* bias) {
  Tensor b;
  return stored(cpu_.linear(x, this->weight(weight), this->weight(bias, b)));
}
// One fused op, as a flash-attention kernel is: scores and softmax stay fp32 inside.
Tensor F16StorageBackend::attention(const Tensor& q, const Tensor& k, const Tensor& v, int heads,
                                    bool causal) {
  return stored(cpu_.attention(q, k, v, heads, causal));
}
Tensor F16StorageBackend::softmax(const Tensor& x) { return stored(cpu_.softmax(x)); }
Tensor F16StorageBackend::embedding(const Tensor& table, std::span<const std::int32_t> ids) {
  return stored(cpu_.embedding(weight(table), ids));
}
Tensor F16StorageBackend::geglu(const Tensor& x) { return stored(cpu_.geglu(x)); }
Tensor F16StorageBackend::gelu(const Tensor& x) { return stored(cpu_.gelu(x)); }
Tensor F16StorageBackend::quick_gelu(const Tensor& x) { return stored(cpu_.quick_gelu(x)); }
Tensor F16StorageBackend::silu(const Tensor& x) { return stored(cpu_.silu(x)); }
// Data movement ops copy values and never round: their inputs are fp16 activations already, or
// the sampler's fp32 latents and noise (a batch's noise is concatenated from each job's own).
Tensor F16StorageBackend::upsample_nearest2x(const Tensor& x) { return cpu_.upsample_nearest2x(x); }
Tensor F16StorageBackend::add(const Tensor& a, const Tensor& b) { return stored(cpu_.add(a, b)); }
Tensor F16StorageBackend::add_channelwise(const Tensor& x, const Tensor& v) {
  return stored(cpu_.add_channelwise(x, v));
}
// The sampler's updates: fp32, so the latent state matches every class's noise (see the header).
Tensor F16StorageBackend::axpby(float alpha, const Tensor& x, float beta, const Tensor& y) {
  return cpu_.axpby(alpha, x, beta, y);
}
Tensor F16StorageBackend::scale(const Tensor& x, float alpha) { return cpu_.scale(x, alpha); }
Tensor F16StorageBackend::guidance(const Tensor& uncond, const Tensor& cond, float g) {
  return stored(cpu_.guidance(uncond, cond, g));
}
Tensor F16StorageBackend::concat_channels(const Tensor& a, const Tensor& b) {
  return cpu_.concat_channels(a, b);
}
Tensor F16StorageBackend::concat_batch(std::span<const Tensor> parts) {
  return cpu_.concat_batch(parts);
}
Tensor F16StorageBackend::nchw_to_tokens(const Tensor& x) { return cpu_.nchw_to_tokens(x); }
Tensor F16StorageBackend::tokens_to_nchw(const Tensor& x, std::int64_t height,
                                         std::int64_t width) {
  return cpu_.tokens_to_nchw(x, height, width);
}
Tensor F16StorageBackend::timestep_embedding(std::span<const float> timesteps, int dim,
                                             bool flip_sin_to_cos, float freq_shift) {
  return stored(cpu_.timestep_embedding(timesteps, dim, flip_sin_to_cos, freq_shift));
}
// Not rounded: the noise is the same bits on every backend (backend.hpp).
Tensor F16StorageBackend::gaussian_noise(const Shape& shape, std::uint64_t seed,
                                         std::uint32_t stream, std::uint64_t counter_base) {
  return cpu_.gaussian_noise(shape, seed, stream, counter_base);
}

}  // namespace seedgrid
