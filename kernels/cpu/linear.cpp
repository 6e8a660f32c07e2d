#include "kernels/cpu/gemm.hpp"
#include "kernels/cpu/ops.hpp"
#include "kernels/cpu/parallel.hpp"

namespace seedgrid::kernels::cpu {
namespace {

// W is float or fp16 bits: gemm::pack_b_transposed widens as it packs.
template <class W>
void linear_of(const float* x, i64 rows, i64 in, const W* w, i64 out, const float* bias, float* y) {
  gemm::run(
      rows, out, in, x, in,
      [&](i64 k0, i64 kc, i64 j0, i64 nc, float* dst) {
        gemm::pack_b_transposed(w, in, k0, kc, j0, nc, dst);
        return static_cast<const float*>(dst);
      },
      y, out);
  if (bias == nullptr) return;
  parallel_for(rows, (1 << 15) / (out + 1) + 1, [&](i64 begin, i64 end) {
    for (i64 r = begin; r < end; ++r) {
      float* row = y + r * out;
      for (i64 o = 0; o < out; ++o) row[o] = row[o] + bias[o];
    }
  });
}

}  // namespace

void linear(const float* x, i64 rows, i64 in, const float* w, i64 out, const float* bias,
            float* y) {
  linear_of(x, rows, in, w, out, bias, y);
}

void linear(const float* x, i64 rows, i64 in, const std::uint16_t* w, i64 out, const float* bias,
            float* y) {
  linear_of(x, rows, in, w, out, bias, y);
}

}  // namespace seedgrid::kernels::cpu
