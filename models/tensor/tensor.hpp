#pragma once
// A Tensor is a contiguous, row-major block of one dtype on one device: there are no strides.
// Every op writes a fresh contiguous output; reshape and slices along the first dimension are views
// of the same buffer. Plain layouts keep each kernel's reduction order obvious and the same on
// every backend, which the determinism contract depends on.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace seedgrid {

enum class DType : std::uint8_t { f32, f16, bf16 };
enum class Device : std::uint8_t { cpu, cuda };

std::size_t dtype_size(DType t);
std::string_view dtype_name(DType t);  // "f32", "f16", "bf16"
std::string_view device_name(Device d);  // "cpu", "cuda"

using Shape = std::vector<std::int64_t>;
std::int64_t shape_numel(const Shape& s);
std::string shape_string(const Shape& s);  // "[2, 4, 64, 64]"

// Bytes on one device. A backend subclasses it for its own memory; a host buffer may also borrow
// bytes it does not own (an mmapped weight file), keeping their owner alive through `keep_alive`.
class Buffer {
 public:
  virtual ~Buffer() = default;
  virtual void* data() = 0;
  virtual std::size_t bytes() const = 0;
  virtual Device device() const = 0;
};

class HostBuffer final : public Buffer {
 public:
  explicit HostBuffer(std::size_t bytes);  // zero-filled
  HostBuffer(void* borrowed, std::size_t bytes, std::shared_ptr<const void> keep_alive);
  ~HostBuffer() override;
  HostBuffer(const HostBuffer&) = delete;
  HostBuffer& operator=(const HostBuffer&) = delete;
  void* data() override { return data_; }
  std::size_t bytes() const override { return bytes_; }
  Device device() const override { return Device::cpu; }

 private:
  std::byte* owned_ = nullptr;  // models/tensor/host_memory.hpp
  std::shared_ptr<const void> keep_alive_;
  void* data_ = nullptr;
  std::size_t bytes_ = 0;
};

class Tensor {
 public:
  Tensor() = default;
  Tensor(Shape shape, DType dtype, std::shared_ptr<Buffer> buffer, std::size_t byte_offset = 0);

  // A zero-filled host tensor.
  static Tensor host(Shape shape, DType dtype = DType::f32);
  static Tensor host_f32(Shape shape, const std::vector<float>& values);

  bool defined() const { return buffer_ != nullptr; }
  const Shape& shape() const { return shape_; }
  int rank() const { return static_cast<int>(shape_.size()); }
  std::int64_t dim(int i) const;  // negative counts from the end
  std::int64_t numel() const { return shape_numel(shape_); }
  std::size_t bytes() const { return static_cast<std::size_t>(numel()) * dtype_size(dtype_); }
  DType dtype() const { return dtype_; }
  Device device() const;
  const std::shared_ptr<Buffer>& buffer() const { return buffer_; }

  void* raw();
  const void* raw() const;
  // Typed access to a host f32 tensor; aborts on a dtype or device mismatch (a programming error).
  float* f32();
  const float* f32() const;
  std::uint16_t* u16();  // host f16 / bf16 bits
  const std::uint16_t* u16() const;

  // Views. One dimension of `shape` may be -1. Aborts if the element count differs.
  Tensor reshape(Shape shape) const;
  // Rows [begin, end) of the first dimension.
  Tensor slice(std::int64_t begin, std::int64_t end) const;

  std::string describe() const;  // "f32[2, 4, 8, 8] on cpu"

 private:
  Shape shape_;
  DType dtype_ = DType::f32;
  std::shared_ptr<Buffer> buffer_;
  std::size_t offset_ = 0;
};

// Host-side dtype conversion (f32 <-> f16/bf16, round to nearest even). Copies.
Tensor host_to_dtype(const Tensor& host, DType dtype);

}  // namespace seedgrid
