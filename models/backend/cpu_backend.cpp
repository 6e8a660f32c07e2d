#include "models/backend/cpu_backend.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string_view>

#include "kernels/cpu/ops.hpp"
#include "kernels/cpu/parallel.hpp"
#include "models/backend/op_shapes.hpp"
#include "models/result.hpp"
#include "models/tensor/half.hpp"
#include "models/tensor/host_memory.hpp"

namespace seedgrid {
namespace {

namespace cpu = kernels::cpu;

// Host bytes that are not zero-filled: every op writes each element of its output.
class UninitializedHostBuffer final : public Buffer {
 public:
  explicit UninitializedHostBuffer(std::size_t bytes)
      : bytes_(bytes), data_(allocate_host(bytes)) {}
  ~UninitializedHostBuffer() override { free_host(data_, bytes_); }
  UninitializedHostBuffer(const UninitializedHostBuffer&) = delete;
  UninitializedHostBuffer& operator=(const UninitializedHostBuffer&) = delete;

  void* data() override { return data_; }
  std::size_t bytes() const override { return bytes_; }
  Device device() const override { return Device::cpu; }

 private:
  std::size_t bytes_;
  std::byte* data_;
};

Tensor output(Shape shape) {
  const auto bytes = static_cast<std::size_t>(shape_numel(shape)) * sizeof(float);
  return Tensor(std::move(shape), DType::f32, std::make_shared<UninitializedHostBuffer>(bytes));
}

// A caller passing shapes that do not fit is a bug to fix, not an input to recover from.
template <class... Parts>
void require(bool ok, std::string_view op, Parts&&... parts) {
  if (ok) return;
  const std::string what = message_of(std::forward<Parts>(parts)...);
  std::fprintf(stderr, "seedgrid: CpuBackend::%.*s: %s\n", static_cast<int>(op.size()), op.data(),
               what.c_str());
  std::abort();
}

// The f32 host data of an op's input.
const float* input(const Tensor& t, std::string_view op, std::string_view name) {
  require(t.defined(), op, name, " is undefined");
  require(t.device() == Device::cpu && t.dtype() == DType::f32, op, name, " is ", t.describe(),
          ", expected an f32 tensor on cpu (upload it first)");
  return t.f32();
}

// A weight of linear, conv2d or embedding: host f32, or host f16 the kernels widen as they read.
struct WeightData {
  const float* f32 = nullptr;
  const std::uint16_t* f16 = nullptr;
};

WeightData weight_input(const Tensor& t, std::string_view op, std::string_view name) {
  require(t.defined(), op, name, " is undefined");
  require(t.device() == Device::cpu && (t.dtype() == DType::f32 || t.dtype() == DType::f16), op,
          name, " is ", t.describe(), ", expected an f32 or f16 tensor on cpu");
  if (t.dtype() == DType::f16) return {nullptr, t.u16()};
  return {t.f32(), nullptr};
}

// y = f(x) element by element: the activations.
Tensor map_elements(const Tensor& x, std::string_view op, int threads,
                    void (*kernel)(const float*, float*, std::int64_t)) {
  const float* xd = input(x, op, "input");
  Tensor y = output(x.shape());
  cpu::ThreadCountScope scope(threads);
  kernel(xd, y.f32(), x.numel());
  return y;
}

void require_same_shape(const Tensor& a, const Tensor& b, std::string_view op) {
  require(a.shape() == b.shape(), op, "shapes differ: ", a.describe(), " and ", b.describe());
}

// Product of the dimensions [from, rank).
std::int64_t numel_from(const Tensor& t, int from) {
  std::int64_t n = 1;
  for (int i = from; i < t.rank(); ++i) n *= t.dim(i);
  return n;
}

#if defined(__x86_64__) || defined(_M_X64)
constexpr const char* kArch = "x86_64";
#elif defined(__aarch64__) || defined(_M_ARM64)
constexpr const char* kArch = "aarch64";
#else
constexpr const char* kArch = "unknown";
#endif

}  // namespace

CpuBackend::CpuBackend(int threads) : threads_(threads < 0 ? 0 : threads) {}

std::string CpuBackend::determinism_class() const {
  return std::string("cpu-") + kArch + "-f32-" + cpu::build_hash();
}

Tensor CpuBackend::upload(const Tensor& host) {
  require(host.defined(), "upload", "the tensor is undefined");
  require(host.device() == Device::cpu, "upload", "expected a host tensor, got ", host.describe());
  Tensor y = output(host.shape());
  float* dst = y.f32();
  const auto n = static_cast<std::size_t>(host.numel());
  if (host.dtype() == DType::f32) {
    std::memcpy(dst, host.raw(), n * sizeof(float));
  } else if (host.dtype() == DType::f16) {
    const std::uint16_t* src = host.u16();
    for (std::size_t i = 0; i < n; ++i) dst[i] = half_to_float(src[i]);
  } else {
    const std::uint16_t* src = host.u16();
    for (std::size_t i = 0; i < n; ++i) dst[i] = bf16_to_float(src[i]);
  }
  return y;
}

Tensor CpuBackend::upload_matrix(const Tensor& host) {
  require(host.defined(), "upload_matrix", "the tensor is undefined");
  require(host.device() == Device::cpu, "upload_matrix", "expected a host tensor, got ",
          host.describe());
  if (host.dtype() == DType::f32 || host.dtype() == DType::f16) return host;
  return upload(host);
}

Tensor CpuBackend::download(const Tensor& t) {
  const float* src = input(t, "download", "the tensor");
  Tensor y = output(t.shape());
  std::memcpy(y.f32(), src, t.bytes());
  return y;
}

Tensor CpuBackend::conv2d(const Tensor& x, const Tensor& weight, const Tensor* bias,
                          Conv2dGeometry geometry) {
  constexpr std::string_view op = "conv2d";
  const float* xd = input(x, op, "input");
  const WeightData wd = weight_input(weight, op, "weight");
  const std::string misfit = op_shapes::conv2d_misfit(x, weight, bias, geometry);
  require(misfit.empty(), op, misfit);
  cpu::ConvShape s;
  s.batch = x.dim(0), s.in_channels = x.dim(1), s.height = x.dim(2), s.width = x.dim(3);
  s.out_channels = weight.dim(0), s.kernel_h = weight.dim(2), s.kernel_w = weight.dim(3);
  s.stride = geometry.stride, s.pad_begin = geometry.pad_begin, s.pad_end = geometry.pad_end;
  const float* bd = bias != nullptr ? input(*bias, op, "bias") : nullptr;
  Tensor y = output({s.batch, s.out_channels, s.out_height(), s.out_width()});
  cpu::ThreadCountScope scope(threads_);
  if (wd.f16 != nullptr)
    cpu::conv2d(s, xd, wd.f16, bd, y.f32());
  else
    cpu::conv2d(s, xd, wd.f32, bd, y.f32());
  return y;
}

Tensor CpuBackend::group_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, int groups,
                              float eps, bool fuse_silu) {
  constexpr std::string_view op = "group_norm";
  const float* xd = input(x, op, "input");
  const float* gd = input(gamma, op, "gamma");
  const float* bd = input(beta, op, "beta");
  const std::string misfit = op_shapes::group_norm_misfit(x, gamma, beta, groups);
  require(misfit.empty(), op, misfit);
  const std::int64_t channels = x.dim(1);
  Tensor y = output(x.shape());
  cpu::ThreadCountScope scope(threads_);
  cpu::group_norm(xd, y.f32(), x.dim(0), channels, numel_from(x, 2), groups, gd, bd, eps,
                  fuse_silu);
  return y;
}

Tensor CpuBackend::layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, float eps) {
  constexpr std::string_view op = "layer_norm";
  const float* xd = input(x, op, "input");
  const float* gd = input(gamma, op, "gamma");
  const float* bd = input(beta, op, "beta");
  const std::string misfit = op_shapes::layer_norm_misfit(x, gamma, beta);
  require(misfit.empty(), op, misfit);
  const std::int64_t cols = x.dim(-1);
  Tensor y = output(x.shape());
  cpu::ThreadCountScope scope(threads_);
  cpu::layer_norm(xd, y.f32(), cols == 0 ? 0 : x.numel() / cols, cols, gd, bd, eps);
  return y;
}

Tensor CpuBackend::linear(const Tensor& x, const Tensor& weight, const Tensor* bias) {
  constexpr std::string_view op = "linear";
  const float* xd = input(x, op, "input");
  const WeightData wd = weight_input(weight, op, "weight");
  const std::string misfit = op_shapes::linear_misfit(x, weight, bias);
  require(misfit.empty(), op, misfit);
  const std::int64_t in = weight.dim(1), out = weight.dim(0);
  const float* bd = bias != nullptr ? input(*bias, op, "bias") : nullptr;
  Shape shape = x.shape();
  shape.back() = out;
  Tensor y = output(std::move(shape));
  cpu::ThreadCountScope scope(threads_);
  const std::int64_t rows = in == 0 ? 0 : x.numel() / in;
  if (wd.f16 != nullptr)
    cpu::linear(xd, rows, in, wd.f16, out, bd, y.f32());
  else
    cpu::linear(xd, rows, in, wd.f32, out, bd, y.f32());
  return y;
}

Tensor CpuBackend::attention(const Tensor& q, const Tensor& k, const Tensor& v, int heads,
                             bool causal) {
  constexpr std::string_view op = "attention";
  const float* qd = input(q, op, "q");
  const float* kd = input(k, op, "k");
  const float* vd = input(v, op, "v");
  const std::string misfit = op_shapes::attention_misfit(q, k, v, heads);
  require(misfit.empty(), op, misfit);
  Tensor y = output(q.shape());
  cpu::ThreadCountScope scope(threads_);
  cpu::attention(qd, kd, vd, y.f32(), q.dim(0), q.dim(1), k.dim(1), q.dim(2), heads, causal);
  return y;
}

Tensor CpuBackend::softmax(const Tensor& x) {
  const float* xd = input(x, "softmax", "input");
  require(x.rank() >= 1, "softmax", "input is a scalar");
  const std::int64_t cols = x.dim(-1);
  Tensor y = output(x.shape());
  cpu::ThreadCountScope scope(threads_);
  cpu::softmax(xd, y.f32(), cols == 0 ? 0 : x.numel() / cols, cols);
  return y;
}

Tensor CpuBackend::embedding(const Tensor& table, std::span<const std::int32_t> ids) {
  constexpr std::string_view op = "embedding";
  const WeightData td = weight_input(table, op, "table");
  require(table.rank() == 2, op, "expected a table [V, C], got ", table.describe());
  for (std::size_t i = 0; i < ids.size(); ++i)
    require(ids[i] >= 0 && ids[i] < table.dim(0), op, "id ", ids[i], " at position ", i,
            " is outside the table ", table.describe());
  const auto count = static_cast<std::int64_t>(ids.size());
  Tensor y = output({count, table.dim(1)});
  if (td.f16 != nullptr)
    cpu::embedding(td.f16, table.dim(1), ids.data(), count, y.f32());
  else
    cpu::embedding(td.f32, table.dim(1), ids.data(), count, y.f32());
  return y;
}

Tensor CpuBackend::geglu(const Tensor& x) {
  const float* xd = input(x, "geglu", "input");
  require(x.rank() >= 1 && x.dim(-1) % 2 == 0, "geglu",
          "the last dimension must be even (hidden and gate halves), got ", x.describe());
  Shape shape = x.shape();
  shape.back() /= 2;
  const std::int64_t cols = shape.back();
  Tensor y = output(std::move(shape));
  cpu::ThreadCountScope scope(threads_);
  cpu::geglu(xd, y.f32(), cols == 0 ? 0 : x.numel() / (2 * cols), cols);
  return y;
}

Tensor CpuBackend::gelu(const Tensor& x) { return map_elements(x, "gelu", threads_, cpu::gelu); }

Tensor CpuBackend::quick_gelu(const Tensor& x) {
  return map_elements(x, "quick_gelu", threads_, cpu::quick_gelu);
}

Tensor CpuBackend::silu(const Tensor& x) { return map_elements(x, "silu", threads_, cpu::silu); }

Tensor CpuBackend::upsample_nearest2x(const Tensor& x) {
  const float* xd = input(x, "upsample_nearest2x", "input");
  require(x.rank() == 4, "upsample_nearest2x", "expected [B, C, H, W], got ", x.describe());
  Tensor y = output({x.dim(0), x.dim(1), 2 * x.dim(2), 2 * x.dim(3)});
  cpu::ThreadCountScope scope(threads_);
  cpu::upsample_nearest2x(xd, y.f32(), x.dim(0) * x.dim(1), x.dim(2), x.dim(3));
  return y;
}

Tensor CpuBackend::add(const Tensor& a, const Tensor& b) {
  const float* ad = input(a, "add", "a");
  const float* bd = input(b, "add", "b");
  bool trailing = b.rank() <= a.rank();
  for (int i = 1; trailing && i <= b.rank(); ++i) trailing = b.dim(-i) == a.dim(-i);
  require(trailing && (b.numel() > 0 || a.numel() == 0), "add", "b ", b.describe(),
          " is neither a's shape nor a's trailing dimensions, a is ", a.describe());
  Tensor y = output(a.shape());
  cpu::ThreadCountScope scope(threads_);
  if (a.numel() > 0) cpu::add(ad, a.numel(), bd, b.numel(), y.f32());
  return y;
}

Tensor CpuBackend::add_channelwise(const Tensor& x, const Tensor& v) {
  const float* xd = input(x, "add_channelwise", "x");
  const float* vd = input(v, "add_channelwise", "v");
  require(x.rank() == 4 && v.rank() == 2 && v.dim(0) == x.dim(0) && v.dim(1) == x.dim(1),
          "add_channelwise", "expected x [B, C, H, W] and v [B, C], got ", x.describe(), " and ",
          v.describe());
  Tensor y = output(x.shape());
  cpu::ThreadCountScope scope(threads_);
  cpu::add_channelwise(xd, vd, y.f32(), x.dim(0) * x.dim(1), x.dim(2) * x.dim(3));
  return y;
}

Tensor CpuBackend::axpby(float alpha, const Tensor& x, float beta, const Tensor& y) {
  const float* xd = input(x, "axpby", "x");
  const float* yd = input(y, "axpby", "y");
  require_same_shape(x, y, "axpby");
  Tensor out = output(x.shape());
  cpu::ThreadCountScope scope(threads_);
  cpu::axpby(alpha, xd, beta, yd, out.f32(), x.numel());
  return out;
}

Tensor CpuBackend::scale(const Tensor& x, float alpha) {
  const float* xd = input(x, "scale", "x");
  Tensor y = output(x.shape());
  cpu::ThreadCountScope scope(threads_);
  cpu::scale(xd, alpha, y.f32(), x.numel());
  return y;
}

Tensor CpuBackend::guidance(const Tensor& uncond, const Tensor& cond, float g) {
  const float* ud = input(uncond, "guidance", "uncond");
  const float* cd = input(cond, "guidance", "cond");
  require_same_shape(uncond, cond, "guidance");
  Tensor y = output(uncond.shape());
  cpu::ThreadCountScope scope(threads_);
  cpu::guidance(ud, cd, g, y.f32(), uncond.numel());
  return y;
}

Tensor CpuBackend::concat_channels(const Tensor& a, const Tensor& b) {
  const float* ad = input(a, "concat_channels", "a");
  const float* bd = input(b, "concat_channels", "b");
  require(a.rank() == 4 && b.rank() == 4 && a.dim(0) == b.dim(0) && a.dim(2) == b.dim(2) &&
              a.dim(3) == b.dim(3),
          "concat_channels", "expected [B, C1, H, W] and [B, C2, H, W], got ", a.describe(),
          " and ", b.describe());
  Tensor y = output({a.dim(0), a.dim(1) + b.dim(1), a.dim(2), a.dim(3)});
  cpu::ThreadCountScope scope(threads_);
  cpu::concat_inner(ad, numel_from(a, 1), bd, numel_from(b, 1), y.f32(), a.dim(0));
  return y;
}

Tensor CpuBackend::concat_batch(std::span<const Tensor> parts) {
  require(!parts.empty(), "concat_batch", "no tensors to concatenate");
  std::int64_t rows = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    input(parts[i], "concat_batch", "a part");
    bool same = parts[i].rank() == parts[0].rank() && parts[0].rank() >= 1;
    for (int d = 1; same && d < parts[0].rank(); ++d) same = parts[i].dim(d) == parts[0].dim(d);
    require(same, "concat_batch", "part ", i, " ", parts[i].describe(), " does not match part 0 ",
            parts[0].describe(), " past the first dimension");
    rows += parts[i].dim(0);
  }
  Shape shape = parts[0].shape();
  shape[0] = rows;
  Tensor y = output(std::move(shape));
  auto* dst = static_cast<std::byte*>(y.raw());
  for (const Tensor& part : parts) {
    std::memcpy(dst, part.raw(), part.bytes());
    dst += part.bytes();
  }
  return y;
}

Tensor CpuBackend::nchw_to_tokens(const Tensor& x) {
  const float* xd = input(x, "nchw_to_tokens", "input");
  require(x.rank() == 4, "nchw_to_tokens", "expected [B, C, H, W], got ", x.describe());
  const std::int64_t spatial = x.dim(2) * x.dim(3);
  Tensor y = output({x.dim(0), spatial, x.dim(1)});
  cpu::ThreadCountScope scope(threads_);
  cpu::nchw_to_tokens(xd, y.f32(), x.dim(0), x.dim(1), spatial);
  return y;
}

Tensor CpuBackend::tokens_to_nchw(const Tensor& x, std::int64_t height, std::int64_t width) {
  const float* xd = input(x, "tokens_to_nchw", "input");
  require(x.rank() == 3 && height >= 0 && width >= 0 && x.dim(1) == height * width,
          "tokens_to_nchw", "expected [B, ", height, "*", width, ", C], got ", x.describe());
  Tensor y = output({x.dim(0), x.dim(2), height, width});
  cpu::ThreadCountScope scope(threads_);
  cpu::tokens_to_nchw(xd, y.f32(), x.dim(0), x.dim(2), x.dim(1));
  return y;
}

Tensor CpuBackend::timestep_embedding(std::span<const float> timesteps, int dim,
                                      bool flip_sin_to_cos, float freq_shift) {
  require(dim > 0, "timestep_embedding", "dimension ", dim, " is not positive");
  require(static_cast<float>(dim / 2) != freq_shift || dim / 2 == 0, "timestep_embedding",
          "freq_shift ", freq_shift, " equals half the dimension ", dim, ": division by zero");
  const auto count = static_cast<std::int64_t>(timesteps.size());
  Tensor y = output({count, dim});
  cpu::timestep_embedding(timesteps.data(), count, dim, flip_sin_to_cos, freq_shift, y.f32());
  return y;
}

Tensor CpuBackend::gaussian_noise(const Shape& shape, std::uint64_t seed, std::uint32_t stream,
                                  std::uint64_t counter_base) {
  for (auto d : shape)
    require(d >= 0, "gaussian_noise", "negative dimension in ", shape_string(shape));
  Tensor y = output(shape);
  cpu::ThreadCountScope scope(threads_);
  cpu::philox_normal_fill(y.f32(), y.numel(), seed, stream, counter_base);
  return y;
}

}  // namespace seedgrid
