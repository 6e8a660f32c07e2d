#include "kernels/cpu/ops.hpp"

#ifndef SEEDGRID_KERNELS_CPU_BUILD_HASH
#error "kernels/CMakeLists.txt defines SEEDGRID_KERNELS_CPU_BUILD_HASH for this file"
#endif

namespace seedgrid::kernels::cpu {

const char* build_hash() { return SEEDGRID_KERNELS_CPU_BUILD_HASH; }

}  // namespace seedgrid::kernels::cpu
