#include "kernels/cpu/ops.hpp"
#include "kernels/cpu/parallel.hpp"

namespace seedgrid::kernels::cpu {

void upsample_nearest2x(const float* x, float* y, i64 planes, i64 height, i64 width) {
  parallel_for(planes * height, (1 << 14) / (width + 1) + 1, [&](i64 begin, i64 end) {
    for (i64 row = begin; row < end; ++row) {
      const float* in = x + row * width;
      float* out = y + row * 4 * width;  // output rows 2h and 2h + 1 of the same plane
      for (i64 w = 0; w < width; ++w) out[2 * w] = out[2 * w + 1] = in[w];
      for (i64 w = 0; w < 2 * width; ++w) out[2 * width + w] = out[w];
    }
  });
}

}  // namespace seedgrid::kernels::cpu
