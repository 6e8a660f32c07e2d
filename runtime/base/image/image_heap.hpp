#pragma once
// How a node's process keeps the buffers of images it frees, so the next image reuses them.

namespace seedgrid {

// Called once, first thing in main, by every program that moves images: the seedgrid command
// (its nodes, render and sim) and the benches that measure them.
void keep_freed_images_in_the_heap();

}  // namespace seedgrid
