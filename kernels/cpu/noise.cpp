#include "kernels/cpu/ops.hpp"
#include "kernels/cpu/parallel.hpp"
#include "kernels/philox.hpp"

namespace seedgrid::kernels::cpu {

void philox_normal_fill(float* out, i64 n, std::uint64_t seed, std::uint32_t stream,
                        std::uint64_t counter_base) {
  parallel_for(n, 1 << 13, [&](i64 begin, i64 end) {
    i64 i = begin;
    while (i < end) {
      const std::uint64_t e = counter_base + static_cast<std::uint64_t>(i);
      float block[4];
      philox_normal_block(seed, stream, e / 4, block);
      for (std::uint64_t lane = e % 4; lane < 4 && i < end; ++lane, ++i) out[i] = block[lane];
    }
  });
}

}  // namespace seedgrid::kernels::cpu
