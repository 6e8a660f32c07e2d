#include <cstring>

#include "kernels/cpu/ops.hpp"
#include "kernels/cpu/parallel.hpp"

namespace seedgrid::kernels::cpu {

void concat_inner(const float* a, i64 inner_a, const float* b, i64 inner_b, float* y, i64 outer) {
  const i64 inner = inner_a + inner_b;
  parallel_for(outer, (1 << 16) / (inner + 1) + 1, [&](i64 begin, i64 end) {
    for (i64 o = begin; o < end; ++o) {
      std::memcpy(y + o * inner, a + o * inner_a,
                  static_cast<std::size_t>(inner_a) * sizeof(float));
      std::memcpy(y + o * inner + inner_a, b + o * inner_b,
                  static_cast<std::size_t>(inner_b) * sizeof(float));
    }
  });
}

}  // namespace seedgrid::kernels::cpu
