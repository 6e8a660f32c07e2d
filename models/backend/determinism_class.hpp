#pragma once
// The determinism class string of a GPU backend: what a worker signs with every result, and what
// decides whether a validator compares bytes or uses tolerances. Everything that can change the
// bits of a render is in it: the GPU model (the name, so two boards of one architecture that a
// library might tune differently are never assumed equal), the compute capability, the storage
// precision and the hash of the kernel sources and compiler.
//   "cuda-sm90-nvidia_h100_80gb_hbm3-f16-1a2b3c4d"
// Kept apart from cuda_backend.cpp so it is built and tested without the CUDA toolkit.
#include <string>
#include <string_view>

namespace seedgrid {

std::string gpu_determinism_class(std::string_view gpu_name, int major, int minor,
                                  std::string_view precision, std::string_view build_hash);

}  // namespace seedgrid
