// Device discovery, memory and streams: thin wrappers that turn cudaError_t into messages.
#include <cuda_runtime.h>

#include <string>

#include "kernels/cuda/ops.hpp"

namespace seedgrid::kernels::cuda {
namespace {

std::string message(cudaError_t e, const char* what) {
  if (e == cudaSuccess) return {};
  return std::string(what) + ": " + cudaGetErrorString(e) + " (" + cudaGetErrorName(e) + ")";
}

}  // namespace

bool first_device(DeviceInfo* info, std::string* why) {
  int count = 0;
  const cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess) {
    if (why) *why = message(e, "cudaGetDeviceCount");
    cudaGetLastError();  // the failure is sticky for the query only; clear it
    return false;
  }
  if (count == 0) {
    if (why) *why = "cudaGetDeviceCount reports 0 CUDA devices";
    return false;
  }
  cudaDeviceProp prop{};
  if (const cudaError_t p = cudaGetDeviceProperties(&prop, 0); p != cudaSuccess) {
    if (why) *why = message(p, "cudaGetDeviceProperties(0)");
    return false;
  }
  if (info) {
    info->ordinal = 0;
    info->name = prop.name;
    info->major = prop.major;
    info->minor = prop.minor;
    info->memory_bytes = prop.totalGlobalMem;
  }
  return true;
}

std::string select_device(int ordinal) { return message(cudaSetDevice(ordinal), "cudaSetDevice"); }

std::string device_malloc(void** ptr, std::size_t bytes) {
  return message(cudaMalloc(ptr, bytes == 0 ? 1 : bytes), "cudaMalloc");
}

void device_free(void* ptr) { cudaFree(ptr); }

std::string stream_create(Stream* stream) {
  cudaStream_t s = nullptr;
  const cudaError_t e = cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking);
  *stream = s;
  return message(e, "cudaStreamCreate");
}

void stream_destroy(Stream stream) { cudaStreamDestroy(stream); }

std::string synchronize(Stream stream) {
  return message(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
}

std::string copy_to_device(void* dst, const void* src, std::size_t bytes, Stream stream) {
  if (bytes == 0) return {};
  return message(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, stream),
                 "cudaMemcpy host to device");
}

std::string copy_to_host(void* dst, const void* src, std::size_t bytes, Stream stream) {
  if (bytes == 0) return {};
  return message(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, stream),
                 "cudaMemcpy device to host");
}

std::string copy_device(void* dst, const void* src, std::size_t bytes, Stream stream) {
  if (bytes == 0) return {};
  return message(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, stream),
                 "cudaMemcpy device to device");
}

std::string last_launch_error() { return message(cudaGetLastError(), "kernel launch"); }

}  // namespace seedgrid::kernels::cuda
