#include "models/backend/cuda_backend.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string_view>
#include <vector>

#include "kernels/cpu/ops.hpp"
#include "kernels/cuda/ops.hpp"
#include "kernels/philox.hpp"
#include "models/backend/determinism_class.hpp"
#include "models/backend/device_fault.hpp"
#include "models/backend/op_shapes.hpp"
#include "models/tensor/half.hpp"

#ifndef SEEDGRID_KERNELS_CUDA_BUILD_HASH
#define SEEDGRID_KERNELS_CUDA_BUILD_HASH "unhashed"
#endif

namespace seedgrid {
namespace {

namespace cu = kernels::cuda;
using cu::Half;

[[noreturn]] void die(std::string_view op, const std::string& what) {
  std::fprintf(stderr, "seedgrid: CudaBackend::%.*s: %s\n", static_cast<int>(op.size()), op.data(),
               what.c_str());
  std::abort();
}

template <class... Parts>
void require(bool ok, std::string_view op, Parts&&... parts) {
  if (!ok) die(op, message_of(std::forward<Parts>(parts)...));
}

// A failed CUDA call is the device's fault, not the caller's: thrown, so the job fails and the
// worker lives (models/backend/device_fault.hpp).
void check(const std::string& error, std::string_view op) {
  if (!error.empty()) throw DeviceFault(message_of("CUDA ", op, ": ", error));
}

// Device memory cached per exact rounded size. Sizes round up to a multiple of 512 bytes below
// 1 MiB and to the next power of two's eighth above, so a render's repeated shapes hit the cache
// while little memory is wasted. Blocks return to the cache when their last tensor dies; work
// queued on the backend's single stream runs in order, so a block reused by a later op is never
// touched before the earlier op that used it has finished.
class CachingAllocator {
 public:
  ~CachingAllocator() {
    for (auto& [size, blocks] : free_)
      for (void* p : blocks) cu::device_free(p);
  }

  static std::size_t rounded(std::size_t bytes) {
    if (bytes <= (std::size_t{1} << 20)) return (bytes + 511) / 512 * 512;
    std::size_t power = std::size_t{1} << 20;
    while (power < bytes) power <<= 1;
    const std::size_t step = power / 8;
    return (bytes + step - 1) / step * step;
  }

  void* allocate(std::size_t bytes, std::string_view op) {
    const std::size_t size = rounded(bytes == 0 ? 1 : bytes);
    {
      std::lock_guard lock(mutex_);
      auto it = free_.find(size);
      if (it != free_.end() && !it->second.empty()) {
        void* p = it->second.back();
        it->second.pop_back();
        return p;
      }
    }
    void* p = nullptr;
    std::string error = cu::device_malloc(&p, size);
    if (!error.empty()) {
      // Out of memory: give the cached blocks back to the driver and try once more.
      release_cached();
      error = cu::device_malloc(&p, size);
    }
    check(error.empty() ? error : message_of(error, " (", size, " bytes)"), op);
    std::lock_guard lock(mutex_);
    reserved_ += size;
    ++device_allocations_;
    return p;
  }

  void release(void* p, std::size_t bytes) {
    std::lock_guard lock(mutex_);
    free_[rounded(bytes == 0 ? 1 : bytes)].push_back(p);
  }

  std::size_t reserved() const {
    std::lock_guard lock(mutex_);
    return reserved_;
  }

  std::uint64_t device_allocations() const {
    std::lock_guard lock(mutex_);
    return device_allocations_;
  }

 private:
  void release_cached() {
    std::lock_guard lock(mutex_);
    for (auto& [size, blocks] : free_) {
      for (void* p : blocks) cu::device_free(p);
      reserved_ -= size * blocks.size();
      blocks.clear();
    }
  }

  mutable std::mutex mutex_;
  std::map<std::size_t, std::vector<void*>> free_;
  std::size_t reserved_ = 0;
  std::uint64_t device_allocations_ = 0;  // cudaMalloc calls that succeeded
};

class DeviceBuffer final : public Buffer {
 public:
  DeviceBuffer(std::shared_ptr<CachingAllocator> allocator, std::size_t bytes, std::string_view op)
      : allocator_(std::move(allocator)), bytes_(bytes), data_(allocator_->allocate(bytes, op)) {}
  ~DeviceBuffer() override { allocator_->release(data_, bytes_); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  void* data() override { return data_; }
  std::size_t bytes() const override { return bytes_; }
  Device device() const override { return Device::cuda; }

 private:
  std::shared_ptr<CachingAllocator> allocator_;  // outlives every buffer it handed out
  std::size_t bytes_;
  void* data_;
};

std::int64_t numel_from(const Tensor& t, int from) {
  std::int64_t n = 1;
  for (int i = from; i < t.rank(); ++i) n *= t.dim(i);
  return n;
}

}  // namespace

struct CudaBackend::State {
  cu::DeviceInfo info;
  cu::Stream stream = nullptr;
  std::shared_ptr<CachingAllocator> allocator = std::make_shared<CachingAllocator>();

  // A fresh device tensor (contents undefined: every op writes each element of its output).
  Tensor output(Shape shape, DType dtype, std::string_view op) {
    const auto bytes = static_cast<std::size_t>(shape_numel(shape)) * dtype_size(dtype);
    return Tensor(std::move(shape), dtype, std::make_shared<DeviceBuffer>(allocator, bytes, op));
  }
  Tensor output(Shape shape, std::string_view op) { return output(std::move(shape), DType::f16, op); }

  void launched(std::string_view op) { check(cu::last_launch_error(), op); }
};

namespace {

// The fp16 device data of an op's input.
const Half* in(const Tensor& t, std::string_view op, std::string_view name) {
  require(t.defined(), op, name, " is undefined");
  require(t.device() == Device::cuda && t.dtype() == DType::f16, op, name, " is ", t.describe(),
          ", expected an f16 tensor on cuda (upload it first)");
  return static_cast<const Half*>(t.raw());
}

Half* out(Tensor& t) { return static_cast<Half*>(t.raw()); }

// y = f(x) element by element: the activations.
Tensor map_elements(CudaBackend::State& s, const Tensor& x, std::string_view op,
                    void (*kernel)(const Half*, Half*, std::int64_t, cu::Stream)) {
  const Half* xd = in(x, op, "input");
  Tensor y = s.output(x.shape(), op);
  kernel(xd, out(y), x.numel(), s.stream);
  s.launched(op);
  return y;
}

void require_same_shape(const Tensor& a, const Tensor& b, std::string_view op) {
  require(a.shape() == b.shape(), op, "shapes differ: ", a.describe(), " and ", b.describe());
}

}  // namespace

Result<std::unique_ptr<CudaBackend>> CudaBackend::create() {
  auto state = std::make_unique<State>();
  std::string why;
  if (!cu::first_device(&state->info, &why)) return fail("no CUDA device: ", why);
  if (auto e = cu::select_device(state->info.ordinal); !e.empty())
    return fail("no CUDA device: ", e);
  if (auto e = cu::stream_create(&state->stream); !e.empty()) return fail("no CUDA device: ", e);
  return std::unique_ptr<CudaBackend>(new CudaBackend(std::move(state)));
}

CudaBackend::CudaBackend(std::unique_ptr<State> state) : state_(std::move(state)) {}

CudaBackend::~CudaBackend() {
  cu::synchronize(state_->stream);
  cu::stream_destroy(state_->stream);
}

const std::string& CudaBackend::device_name() const { return state_->info.name; }

std::string CudaBackend::compute_capability() const {
  return message_of(state_->info.major, ".", state_->info.minor);
}

std::size_t CudaBackend::reserved_bytes() const { return state_->allocator->reserved(); }

std::uint64_t CudaBackend::device_allocations() const {
  return state_->allocator->device_allocations();
}

std::string CudaBackend::determinism_class() const {
  return gpu_determinism_class(state_->info.name, state_->info.major, state_->info.minor, "f16",
                               SEEDGRID_KERNELS_CUDA_BUILD_HASH);
}

void CudaBackend::synchronize() { check(cu::synchronize(state_->stream), "synchronize"); }

Tensor CudaBackend::upload(const Tensor& host) {
  constexpr std::string_view op = "upload";
  require(host.defined(), op, "the tensor is undefined");
  require(host.device() == Device::cpu, op, "expected a host tensor, got ", host.describe());
  State& s = *state_;
  Tensor y = s.output(host.shape(), op);
  const auto n = host.numel();
  if (host.dtype() == DType::f16) {
    check(cu::copy_to_device(y.raw(), host.raw(), host.bytes(), s.stream), op);
  } else {
    // Stage the host bytes as they are and convert on the device.
    Tensor staged = s.output(host.shape(), host.dtype(), op);
    check(cu::copy_to_device(staged.raw(), host.raw(), host.bytes(), s.stream), op);
    if (host.dtype() == DType::f32)
      cu::f32_to_f16(static_cast<const float*>(staged.raw()), out(y), n, s.stream);
    else
      cu::bf16_to_f16(static_cast<const std::uint16_t*>(staged.raw()), out(y), n, s.stream);
    s.launched(op);
  }
  return y;
}

Tensor CudaBackend::download(const Tensor& t) {
  constexpr std::string_view op = "download";
  State& s = *state_;
  const Half* src = in(t, op, "the tensor");
  Tensor wide = s.output(t.shape(), DType::f32, op);
  cu::f16_to_f32(src, static_cast<float*>(wide.raw()), t.numel(), s.stream);
  s.launched(op);
  Tensor host = Tensor::host(t.shape(), DType::f32);
  check(cu::copy_to_host(host.raw(), wide.raw(), host.bytes(), s.stream), op);
  check(cu::synchronize(s.stream), op);
  return host;
}

Tensor CudaBackend::conv2d(const Tensor& x, const Tensor& weight, const Tensor* bias,
                           Conv2dGeometry geometry) {
  constexpr std::string_view op = "conv2d";
  const Half* xd = in(x, op, "input");
  const Half* wd = in(weight, op, "weight");
  const std::string misfit = op_shapes::conv2d_misfit(x, weight, bias, geometry);
  require(misfit.empty(), op, misfit);
  cu::ConvShape c;
  c.batch = x.dim(0), c.in_channels = x.dim(1), c.height = x.dim(2), c.width = x.dim(3);
  c.out_channels = weight.dim(0), c.kernel_h = weight.dim(2), c.kernel_w = weight.dim(3);
  c.stride = geometry.stride, c.pad_begin = geometry.pad_begin, c.pad_end = geometry.pad_end;
  const Half* bd = bias != nullptr ? in(*bias, op, "bias") : nullptr;
  State& s = *state_;
  Tensor y = s.output({c.batch, c.out_channels, c.out_height(), c.out_width()}, op);
  cu::conv2d(c, xd, wd, bd, out(y), s.stream);
  s.launched(op);
  return y;
}

Tensor CudaBackend::group_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, int groups,
                               float eps, bool fuse_silu) {
  constexpr std::string_view op = "group_norm";
  const Half* xd = in(x, op, "input");
  const Half* gd = in(gamma, op, "gamma");
  const Half* bd = in(beta, op, "beta");
  const std::string misfit = op_shapes::group_norm_misfit(x, gamma, beta, groups);
  require(misfit.empty(), op, misfit);
  const std::int64_t channels = x.dim(1);
  State& s = *state_;
  Tensor y = s.output(x.shape(), op);
  cu::group_norm(xd, out(y), x.dim(0), channels, numel_from(x, 2), groups, gd, bd, eps, fuse_silu,
                 s.stream);
  s.launched(op);
  return y;
}

Tensor CudaBackend::layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                               float eps) {
  constexpr std::string_view op = "layer_norm";
  const Half* xd = in(x, op, "input");
  const Half* gd = in(gamma, op, "gamma");
  const Half* bd = in(beta, op, "beta");
  const std::string misfit = op_shapes::layer_norm_misfit(x, gamma, beta);
  require(misfit.empty(), op, misfit);
  const std::int64_t cols = x.dim(-1);
  State& s = *state_;
  Tensor y = s.output(x.shape(), op);
  cu::layer_norm(xd, out(y), cols == 0 ? 0 : x.numel() / cols, cols, gd, bd, eps, s.stream);
  s.launched(op);
  return y;
}

Tensor CudaBackend::linear(const Tensor& x, const Tensor& weight, const Tensor* bias) {
  constexpr std::string_view op = "linear";
  const Half* xd = in(x, op, "input");
  const Half* wd = in(weight, op, "weight");
  const std::string misfit = op_shapes::linear_misfit(x, weight, bias);
  require(misfit.empty(), op, misfit);
  const std::int64_t inner = weight.dim(1), outer = weight.dim(0);
  const Half* bd = bias != nullptr ? in(*bias, op, "bias") : nullptr;
  Shape shape = x.shape();
  shape.back() = outer;
  State& s = *state_;
  Tensor y = s.output(std::move(shape), op);
  cu::linear(xd, inner == 0 ? 0 : x.numel() / inner, inner, wd, outer, bd, out(y), s.stream);
  s.launched(op);
  return y;
}

Tensor CudaBackend::attention(const Tensor& q, const Tensor& k, const Tensor& v, int heads,
                              bool causal) {
  constexpr std::string_view op = "attention";
  const Half* qd = in(q, op, "q");
  const Half* kd = in(k, op, "k");
  const Half* vd = in(v, op, "v");
  const std::string misfit = op_shapes::attention_misfit(q, k, v, heads);
  require(misfit.empty(), op, misfit);
  State& s = *state_;
  Tensor y = s.output(q.shape(), op);
  cu::attention(qd, kd, vd, out(y), q.dim(0), q.dim(1), k.dim(1), q.dim(2), heads, causal,
                s.stream);
  s.launched(op);
  return y;
}

Tensor CudaBackend::softmax(const Tensor& x) {
  constexpr std::string_view op = "softmax";
  const Half* xd = in(x, op, "input");
  require(x.rank() >= 1, op, "input is a scalar");
  const std::int64_t cols = x.dim(-1);
  State& s = *state_;
  Tensor y = s.output(x.shape(), op);
  cu::softmax(xd, out(y), cols == 0 ? 0 : x.numel() / cols, cols, s.stream);
  s.launched(op);
  return y;
}

Tensor CudaBackend::embedding(const Tensor& table, std::span<const std::int32_t> ids) {
  constexpr std::string_view op = "embedding";
  const Half* td = in(table, op, "table");
  require(table.rank() == 2, op, "expected a table [V, C], got ", table.describe());
  for (std::size_t i = 0; i < ids.size(); ++i)
    require(ids[i] >= 0 && ids[i] < table.dim(0), op, "id ", ids[i], " at position ", i,
            " is outside the table ", table.describe());
  const auto count = static_cast<std::int64_t>(ids.size());
  State& s = *state_;
  Tensor y = s.output({count, table.dim(1)}, op);
  if (count == 0) return y;
  auto device_ids = std::make_shared<DeviceBuffer>(s.allocator, ids.size_bytes(), op);
  check(cu::copy_to_device(device_ids->data(), ids.data(), ids.size_bytes(), s.stream), op);
  cu::embedding(td, table.dim(1), static_cast<const std::int32_t*>(device_ids->data()), count,
                out(y), s.stream);
  s.launched(op);
  return y;
}

Tensor CudaBackend::geglu(const Tensor& x) {
  constexpr std::string_view op = "geglu";
  const Half* xd = in(x, op, "input");
  require(x.rank() >= 1 && x.dim(-1) % 2 == 0, op,
          "the last dimension must be even (hidden and gate halves), got ", x.describe());
  Shape shape = x.shape();
  shape.back() /= 2;
  const std::int64_t cols = shape.back();
  State& s = *state_;
  Tensor y = s.output(std::move(shape), op);
  cu::geglu(xd, out(y), cols == 0 ? 0 : x.numel() / (2 * cols), cols, s.stream);
  s.launched(op);
  return y;
}

Tensor CudaBackend::gelu(const Tensor& x) { return map_elements(*state_, x, "gelu", cu::gelu); }

Tensor CudaBackend::quick_gelu(const Tensor& x) {
  return map_elements(*state_, x, "quick_gelu", cu::quick_gelu);
}

Tensor CudaBackend::silu(const Tensor& x) { return map_elements(*state_, x, "silu", cu::silu); }

Tensor CudaBackend::upsample_nearest2x(const Tensor& x) {
  constexpr std::string_view op = "upsample_nearest2x";
  const Half* xd = in(x, op, "input");
  require(x.rank() == 4, op, "expected [B, C, H, W], got ", x.describe());
  State& s = *state_;
  Tensor y = s.output({x.dim(0), x.dim(1), 2 * x.dim(2), 2 * x.dim(3)}, op);
  cu::upsample_nearest2x(xd, out(y), x.dim(0) * x.dim(1), x.dim(2), x.dim(3), s.stream);
  s.launched(op);
  return y;
}

Tensor CudaBackend::add(const Tensor& a, const Tensor& b) {
  constexpr std::string_view op = "add";
  const Half* ad = in(a, op, "a");
  const Half* bd = in(b, op, "b");
  bool trailing = b.rank() <= a.rank();
  for (int i = 1; trailing && i <= b.rank(); ++i) trailing = b.dim(-i) == a.dim(-i);
  require(trailing && (b.numel() > 0 || a.numel() == 0), op, "b ", b.describe(),
          " is neither a's shape nor a's trailing dimensions, a is ", a.describe());
  State& s = *state_;
  Tensor y = s.output(a.shape(), op);
  cu::add(ad, a.numel(), bd, b.numel(), out(y), s.stream);
  s.launched(op);
  return y;
}

Tensor CudaBackend::add_channelwise(const Tensor& x, const Tensor& v) {
  constexpr std::string_view op = "add_channelwise";
  const Half* xd = in(x, op, "x");
  const Half* vd = in(v, op, "v");
  require(x.rank() == 4 && v.rank() == 2 && v.dim(0) == x.dim(0) && v.dim(1) == x.dim(1), op,
          "expected x [B, C, H, W] and v [B, C], got ", x.describe(), " and ", v.describe());
  State& s = *state_;
  Tensor y = s.output(x.shape(), op);
  cu::add_channelwise(xd, vd, out(y), x.dim(0) * x.dim(1), x.dim(2) * x.dim(3), s.stream);
  s.launched(op);
  return y;
}

Tensor CudaBackend::axpby(float alpha, const Tensor& x, float beta, const Tensor& y) {
  constexpr std::string_view op = "axpby";
  const Half* xd = in(x, op, "x");
  const Half* yd = in(y, op, "y");
  require_same_shape(x, y, op);
  State& s = *state_;
  Tensor r = s.output(x.shape(), op);
  cu::axpby(alpha, xd, beta, yd, out(r), x.numel(), s.stream);
  s.launched(op);
  return r;
}

Tensor CudaBackend::scale(const Tensor& x, float alpha) {
  State& s = *state_;
  const Half* xd = in(x, "scale", "x");
  Tensor y = s.output(x.shape(), "scale");
  cu::scale(xd, alpha, out(y), x.numel(), s.stream);
  s.launched("scale");
  return y;
}

Tensor CudaBackend::guidance(const Tensor& uncond, const Tensor& cond, float g) {
  constexpr std::string_view op = "guidance";
  const Half* ud = in(uncond, op, "uncond");
  const Half* cd = in(cond, op, "cond");
  require_same_shape(uncond, cond, op);
  State& s = *state_;
  Tensor y = s.output(uncond.shape(), op);
  cu::guidance(ud, cd, g, out(y), uncond.numel(), s.stream);
  s.launched(op);
  return y;
}

Tensor CudaBackend::concat_channels(const Tensor& a, const Tensor& b) {
  constexpr std::string_view op = "concat_channels";
  const Half* ad = in(a, op, "a");
  const Half* bd = in(b, op, "b");
  require(a.rank() == 4 && b.rank() == 4 && a.dim(0) == b.dim(0) && a.dim(2) == b.dim(2) &&
              a.dim(3) == b.dim(3),
          op, "expected [B, C1, H, W] and [B, C2, H, W], got ", a.describe(), " and ",
          b.describe());
  State& s = *state_;
  Tensor y = s.output({a.dim(0), a.dim(1) + b.dim(1), a.dim(2), a.dim(3)}, op);
  cu::concat_inner(ad, numel_from(a, 1), bd, numel_from(b, 1), out(y), a.dim(0), s.stream);
  s.launched(op);
  return y;
}

Tensor CudaBackend::concat_batch(std::span<const Tensor> parts) {
  constexpr std::string_view op = "concat_batch";
  require(!parts.empty(), op, "no tensors to concatenate");
  std::int64_t rows = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    in(parts[i], op, "a part");
    bool same = parts[i].rank() == parts[0].rank() && parts[0].rank() >= 1;
    for (int d = 1; same && d < parts[0].rank(); ++d) same = parts[i].dim(d) == parts[0].dim(d);
    require(same, op, "part ", i, " ", parts[i].describe(), " does not match part 0 ",
            parts[0].describe(), " past the first dimension");
    rows += parts[i].dim(0);
  }
  Shape shape = parts[0].shape();
  shape[0] = rows;
  State& s = *state_;
  Tensor y = s.output(std::move(shape), op);
  auto* dst = static_cast<std::byte*>(y.raw());
  for (const Tensor& part : parts) {
    check(cu::copy_device(dst, part.raw(), part.bytes(), s.stream), op);
    dst += part.bytes();
  }
  return y;
}

Tensor CudaBackend::nchw_to_tokens(const Tensor& x) {
  constexpr std::string_view op = "nchw_to_tokens";
  const Half* xd = in(x, op, "input");
  require(x.rank() == 4, op, "expected [B, C, H, W], got ", x.describe());
  const std::int64_t spatial = x.dim(2) * x.dim(3);
  State& s = *state_;
  Tensor y = s.output({x.dim(0), spatial, x.dim(1)}, op);
  cu::nchw_to_tokens(xd, out(y), x.dim(0), x.dim(1), spatial, s.stream);
  s.launched(op);
  return y;
}

Tensor CudaBackend::tokens_to_nchw(const Tensor& x, std::int64_t height, std::int64_t width) {
  constexpr std::string_view op = "tokens_to_nchw";
  const Half* xd = in(x, op, "input");
  require(x.rank() == 3 && height >= 0 && width >= 0 && x.dim(1) == height * width, op,
          "expected [B, ", height, "*", width, ", C], got ", x.describe());
  State& s = *state_;
  Tensor y = s.output({x.dim(0), x.dim(2), height, width}, op);
  cu::tokens_to_nchw(xd, out(y), x.dim(0), x.dim(2), x.dim(1), s.stream);
  s.launched(op);
  return y;
}

// A few hundred values per step: computed by the CPU kernel (libm sin/cos/exp in double, the CPU
// backend's exact bits) and uploaded, rather than risking a device libm difference.
Tensor CudaBackend::timestep_embedding(std::span<const float> timesteps, int dim,
                                       bool flip_sin_to_cos, float freq_shift) {
  constexpr std::string_view op = "timestep_embedding";
  require(dim > 0, op, "dimension ", dim, " is not positive");
  require(static_cast<float>(dim / 2) != freq_shift || dim / 2 == 0, op, "freq_shift ",
          freq_shift, " equals half the dimension ", dim, ": division by zero");
  const auto count = static_cast<std::int64_t>(timesteps.size());
  Tensor host = Tensor::host({count, dim});
  kernels::cpu::timestep_embedding(timesteps.data(), count, dim, flip_sin_to_cos, freq_shift,
                                   host.f32());
  return upload(host);
}

Tensor CudaBackend::noise_f32(const Shape& shape, std::uint64_t seed, std::uint32_t stream,
                              std::uint64_t counter_base) {
  constexpr std::string_view op = "gaussian_noise";
  for (auto d : shape) require(d >= 0, op, "negative dimension in ", shape_string(shape));
  State& s = *state_;
  const std::int64_t n = shape_numel(shape);
  Tensor noise = s.output(shape, DType::f32, op);
  // Expected suspects: n / 2^19; room for far more, and a whole-tensor fallback past that.
  const auto capacity = static_cast<std::uint32_t>(1024 + n / 4096);
  DeviceBuffer suspects(s.allocator, capacity * sizeof(std::uint64_t), op);
  DeviceBuffer count(s.allocator, sizeof(std::uint32_t), op);
  cu::philox_normal(static_cast<float*>(noise.raw()), n, seed, stream, counter_base,
                    static_cast<std::uint64_t*>(suspects.data()),
                    static_cast<std::uint32_t*>(count.data()), capacity, s.stream);
  s.launched(op);
  std::uint32_t flagged = 0;
  check(cu::copy_to_host(&flagged, count.data(), sizeof flagged, s.stream), op);
  check(cu::synchronize(s.stream), op);
  if (flagged > capacity) {
    Tensor host = Tensor::host(shape, DType::f32);
    kernels::cpu::philox_normal_fill(host.f32(), n, seed, stream, counter_base);
    check(cu::copy_to_device(noise.raw(), host.raw(), host.bytes(), s.stream), op);
  } else if (flagged > 0) {
    std::vector<std::uint64_t> list(flagged);
    check(cu::copy_to_host(list.data(), suspects.data(), flagged * sizeof(std::uint64_t), s.stream),
          op);
    check(cu::synchronize(s.stream), op);
    auto* device = static_cast<float*>(noise.raw());
    for (std::uint64_t i : list) {
      const float value = kernels::philox_normal_at(seed, stream, counter_base + i);
      check(cu::copy_to_device(device + i, &value, sizeof value, s.stream), op);
    }
  }
  return noise;
}

// The exact f32 noise (see noise_f32), stored in fp16 like every activation: bitwise the CPU's
// values rounded to nearest even.
Tensor CudaBackend::gaussian_noise(const Shape& shape, std::uint64_t seed, std::uint32_t stream,
                                   std::uint64_t counter_base) {
  Tensor noise = noise_f32(shape, seed, stream, counter_base);
  State& s = *state_;
  Tensor y = s.output(shape, "gaussian_noise");
  cu::f32_to_f16(static_cast<const float*>(noise.raw()), out(y), y.numel(), s.stream);
  s.launched("gaussian_noise");
  return y;
}

Tensor CudaBackend::gaussian_noise_f32(const Shape& shape, std::uint64_t seed,
                                       std::uint32_t stream, std::uint64_t counter_base) {
  const Tensor noise = noise_f32(shape, seed, stream, counter_base);
  State& s = *state_;
  Tensor host = Tensor::host(shape, DType::f32);
  check(cu::copy_to_host(host.raw(), noise.raw(), host.bytes(), s.stream), "gaussian_noise");
  check(cu::synchronize(s.stream), "gaussian_noise");
  return host;
}

}  // namespace seedgrid
