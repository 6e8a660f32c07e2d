#include <cstring>

#include "kernels/cpu/f16.hpp"
#include "kernels/cpu/ops.hpp"

namespace seedgrid::kernels::cpu {

void embedding(const float* table, i64 cols, const std::int32_t* ids, i64 count, float* y) {
  for (i64 r = 0; r < count; ++r)
    std::memcpy(y + r * cols, table + static_cast<i64>(ids[r]) * cols,
                static_cast<std::size_t>(cols) * sizeof(float));
}

void embedding(const std::uint16_t* table, i64 cols, const std::int32_t* ids, i64 count, float* y) {
  for (i64 r = 0; r < count; ++r) {
    const std::uint16_t* row = table + static_cast<i64>(ids[r]) * cols;
    for (i64 c = 0; c < cols; ++c) y[r * cols + c] = f16_to_f32(row[c]);
  }
}

}  // namespace seedgrid::kernels::cpu
