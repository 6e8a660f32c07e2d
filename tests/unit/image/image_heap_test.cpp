// keep_freed_images_in_the_heap: image-sized blocks come from the heap and stay there once freed.
// Without it glibc maps each such block on its own and unmaps it at free (image_heap.cpp).
#include <gtest/gtest.h>
#include <malloc.h>

#include <cstdlib>
#include <cstring>

#include "runtime/base/image/image_heap.hpp"

namespace {

constexpr std::size_t k512Image = 512 * 512 * 3;
constexpr std::size_t k1024Image = 1024 * 1024 * 3;

// Written through, as an image is, and kept where the compiler must assume it is read: a block
// allocated, written and freed with nothing in between may be left out altogether.
void* volatile last_block = nullptr;
void* image_block(std::size_t bytes) {
  void* block = std::malloc(bytes);
  std::memset(block, 0x5a, bytes);
  last_block = block;
  return block;
}

TEST(ImageHeap, AnImageSizedBlockIsNotAMappingOfItsOwn) {
  seedgrid::keep_freed_images_in_the_heap();
  const std::size_t mapped_before = mallinfo2().hblks;
  for (std::size_t bytes : {k512Image, k1024Image, std::size_t{24} << 20}) {
    void* block = image_block(bytes);
    EXPECT_EQ(mallinfo2().hblks, mapped_before)
        << "a block of " << bytes << " bytes was given a mapping of its own";
    std::free(block);
  }
}

TEST(ImageHeap, AFreedImageStaysInTheHeapForTheNext) {
  seedgrid::keep_freed_images_in_the_heap();
  const std::size_t bytes = 4 * k1024Image;
  std::free(image_block(bytes));
  EXPECT_GE(mallinfo2().fordblks, bytes)
      << "the heap gave the " << bytes << " bytes of a freed image back to the system";
}

}  // namespace
