#include "models/tensor/tensor.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "models/tensor/half.hpp"
#include "models/tensor/host_memory.hpp"

namespace seedgrid {

namespace {
[[noreturn]] void misuse(const std::string& what) {
  std::fprintf(stderr, "seedgrid: tensor misuse: %s\n", what.c_str());
  std::abort();
}
}  // namespace

std::size_t dtype_size(DType t) { return t == DType::f32 ? 4 : 2; }

std::string_view dtype_name(DType t) {
  switch (t) {
    case DType::f32: return "f32";
    case DType::f16: return "f16";
    case DType::bf16: return "bf16";
  }
  return "?";
}

std::string_view device_name(Device d) { return d == Device::cpu ? "cpu" : "cuda"; }

std::int64_t shape_numel(const Shape& s) {
  std::int64_t n = 1;
  for (auto d : s) n *= d;
  return n;
}

std::string shape_string(const Shape& s) {
  std::string out = "[";
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(s[i]);
  }
  return out + "]";
}

HostBuffer::HostBuffer(std::size_t bytes)
    : owned_(allocate_host_zeroed(bytes)), data_(owned_), bytes_(bytes) {}

HostBuffer::~HostBuffer() { free_host(owned_, bytes_); }

HostBuffer::HostBuffer(void* borrowed, std::size_t bytes, std::shared_ptr<const void> keep_alive)
    : keep_alive_(std::move(keep_alive)), data_(borrowed), bytes_(bytes) {}

Tensor::Tensor(Shape shape, DType dtype, std::shared_ptr<Buffer> buffer, std::size_t byte_offset)
    : shape_(std::move(shape)), dtype_(dtype), buffer_(std::move(buffer)), offset_(byte_offset) {
  for (auto d : shape_)
    if (d < 0) misuse("negative dimension in " + shape_string(shape_));
  if (buffer_ && offset_ + bytes() > buffer_->bytes())
    misuse("tensor " + describe() + " does not fit its buffer of " +
           std::to_string(buffer_->bytes()) + " bytes");
}

Tensor Tensor::host(Shape shape, DType dtype) {
  const auto bytes = static_cast<std::size_t>(shape_numel(shape)) * dtype_size(dtype);
  return Tensor(std::move(shape), dtype, std::make_shared<HostBuffer>(bytes));
}

Tensor Tensor::host_f32(Shape shape, const std::vector<float>& values) {
  if (static_cast<std::int64_t>(values.size()) != shape_numel(shape))
    misuse(std::to_string(values.size()) + " values for shape " + shape_string(shape));
  Tensor t = host(std::move(shape));
  std::memcpy(t.raw(), values.data(), values.size() * sizeof(float));
  return t;
}

std::int64_t Tensor::dim(int i) const {
  const int r = rank();
  const int k = i < 0 ? i + r : i;
  if (k < 0 || k >= r) misuse("dimension " + std::to_string(i) + " of " + describe());
  return shape_[static_cast<std::size_t>(k)];
}

Device Tensor::device() const { return buffer_ ? buffer_->device() : Device::cpu; }

void* Tensor::raw() {
  if (!buffer_) misuse("access to an undefined tensor");
  return static_cast<std::byte*>(buffer_->data()) + offset_;
}

const void* Tensor::raw() const { return const_cast<Tensor*>(this)->raw(); }

float* Tensor::f32() {
  if (dtype_ != DType::f32 || device() != Device::cpu) misuse("f32() on " + describe());
  return static_cast<float*>(raw());
}

const float* Tensor::f32() const { return const_cast<Tensor*>(this)->f32(); }

std::uint16_t* Tensor::u16() {
  if (dtype_ == DType::f32 || device() != Device::cpu) misuse("u16() on " + describe());
  return static_cast<std::uint16_t*>(raw());
}

const std::uint16_t* Tensor::u16() const { return const_cast<Tensor*>(this)->u16(); }

Tensor Tensor::reshape(Shape shape) const {
  std::int64_t known = 1;
  int inferred = -1;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (inferred >= 0) misuse("two -1 dimensions in reshape to " + shape_string(shape));
      inferred = static_cast<int>(i);
    } else {
      known *= shape[i];
    }
  }
  if (inferred >= 0) {
    if (known == 0 || numel() % known != 0)
      misuse("cannot reshape " + describe() + " to " + shape_string(shape));
    shape[static_cast<std::size_t>(inferred)] = numel() / known;
  }
  if (shape_numel(shape) != numel())
    misuse("cannot reshape " + describe() + " to " + shape_string(shape));
  return Tensor(std::move(shape), dtype_, buffer_, offset_);
}

Tensor Tensor::slice(std::int64_t begin, std::int64_t end) const {
  if (rank() == 0 || begin < 0 || end < begin || end > shape_[0])
    misuse("slice [" + std::to_string(begin) + ", " + std::to_string(end) + ") of " + describe());
  Shape s = shape_;
  const std::int64_t row = s[0] == 0 ? 0 : numel() / s[0];
  s[0] = end - begin;
  return Tensor(std::move(s), dtype_, buffer_,
                offset_ + static_cast<std::size_t>(begin * row) * dtype_size(dtype_));
}

std::string Tensor::describe() const {
  return std::string(dtype_name(dtype_)) + shape_string(shape_) + " on " +
         std::string(device_name(device()));
}

Tensor host_to_dtype(const Tensor& host, DType dtype) {
  if (host.device() != Device::cpu) misuse("host_to_dtype on " + host.describe());
  Tensor out = Tensor::host(host.shape(), dtype);
  const auto n = static_cast<std::size_t>(host.numel());
  if (host.dtype() == dtype) {
    std::memcpy(out.raw(), host.raw(), host.bytes());
    return out;
  }
  if (dtype == DType::f32) {
    const std::uint16_t* src = host.u16();
    float* dst = out.f32();
    const bool bf = host.dtype() == DType::bf16;
    for (std::size_t i = 0; i < n; ++i) dst[i] = bf ? bf16_to_float(src[i]) : half_to_float(src[i]);
    return out;
  }
  Tensor f = host.dtype() == DType::f32 ? host : host_to_dtype(host, DType::f32);
  const float* src = f.f32();
  std::uint16_t* dst = out.u16();
  const bool bf = dtype == DType::bf16;
  for (std::size_t i = 0; i < n; ++i) dst[i] = bf ? float_to_bf16(src[i]) : float_to_half(src[i]);
  return out;
}

}  // namespace seedgrid
