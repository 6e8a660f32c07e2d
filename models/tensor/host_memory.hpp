#pragma once
// Host memory for tensors. Weights and activations of SD-sized networks are megabytes each and
// every op's output is a fresh buffer: with 4 KiB pages, first touching one costs a page fault
// per 4 KiB, which took as long as the arithmetic while a model loaded (each weight converted
// into a new buffer) and again on every op's output while rendering. Buffers of 4 MiB and more get
// an anonymous mapping of their own, asked for huge pages (2 MiB) where the kernel offers them;
// smaller ones come from the allocator, 64-byte aligned.
#include <cstddef>

namespace seedgrid {

// At least `bytes` bytes, 64-byte aligned, contents unspecified (zero for mapped ones). Throws
// std::bad_alloc when there is no memory, as operator new does.
std::byte* allocate_host(std::size_t bytes);
// Zero-filled: mapped memory already is, so it is not cleared twice.
std::byte* allocate_host_zeroed(std::size_t bytes);
void free_host(std::byte* p, std::size_t bytes);

}  // namespace seedgrid
