#include "models/tensor/host_memory.hpp"

#include <sys/mman.h>

#include <cstring>
#include <new>

namespace seedgrid {

namespace {

constexpr std::size_t kMappedFrom = std::size_t{4} << 20;
constexpr std::align_val_t kAlignment{64};

std::byte* map_anonymous(std::size_t bytes) {
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  (void)::madvise(p, bytes, MADV_HUGEPAGE);  // advice only: without huge pages it still works
  return static_cast<std::byte*>(p);
}

}  // namespace

std::byte* allocate_host(std::size_t bytes) {
  if (bytes >= kMappedFrom) return map_anonymous(bytes);
  return static_cast<std::byte*>(::operator new[](bytes == 0 ? 1 : bytes, kAlignment));
}

std::byte* allocate_host_zeroed(std::size_t bytes) {
  std::byte* p = allocate_host(bytes);
  if (bytes < kMappedFrom) std::memset(p, 0, bytes);
  return p;
}

void free_host(std::byte* p, std::size_t bytes) {
  if (p == nullptr) return;
  if (bytes >= kMappedFrom) {
    ::munmap(p, bytes);
    return;
  }
  ::operator delete[](p, kAlignment);
}

}  // namespace seedgrid
