#include "runtime/base/image/image_heap.hpp"

#include <cstdlib>  // defines __GLIBC__ on glibc hosts

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace seedgrid {

namespace {
// glibc's largest mmap threshold on 64-bit hosts: a 1024 x 1024 image (3 MiB), its latents and
// its encoded files are all below it; weight files are read through their own mappings.
constexpr int kLargestHeapBlock = 32 << 20;
// Free memory a heap keeps at its top before giving it back: as much as the result store's
// newest images (64 MiB), so a burst of results does not leave the next burst to fault in again.
constexpr int kKeptFreeMemory = 64 << 20;
}  // namespace

// glibc serves a block above its mmap threshold (128 KiB at start) with a mapping of its own,
// faulted in page by page and unmapped at free; its dynamic threshold follows only the blocks
// freed so far, and its heap gives back any free top past 128 KiB. A 512 x 512 image (768 KiB)
// took that path at every copy: a worker's pixels, the message they arrive in, the image log's
// read. Fixed thresholds make every such buffer a reuse of the heap (bench/RESULTS.md, "Image
// buffers kept in the heap": at 512 x 512, +20 % jobs a second on tmpfs, +12 % on the disk).
// Host tensors of 4 MiB and more keep their own mappings (models/tensor/host_memory.cpp).
// mallopt fails only for values out of range, and then glibc's defaults stay: nothing to report.
void keep_freed_images_in_the_heap() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, kLargestHeapBlock);
  mallopt(M_TRIM_THRESHOLD, kKeptFreeMemory);
#endif
}

}  // namespace seedgrid
