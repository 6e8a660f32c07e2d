#include "kernels/cpu/gemm.hpp"
#include "kernels/cpu/ops.hpp"
#include "kernels/cpu/parallel.hpp"

namespace seedgrid::kernels::cpu {
namespace {

// W is float or fp16 bits: gemm::pack_b_transposed widens as it packs. When the rows span several
// GEMM tasks, each would pack (and widen) the same weights again, so Wᵀ is packed once up front.
template <class W>
void linear_of(const float* x, i64 rows, i64 in, const W* w, i64 out, const float* bias, float* y) {
  if (rows > gemm::kMb) {
    float* all = gemm::scratch(gemm::Scratch::all_of_b, gemm::PrepackedB::floats(in, out));
    parallel_for((out + gemm::kNr - 1) / gemm::kNr, 8, [&](i64 p_begin, i64 p_end) {
      const i64 j0 = p_begin * gemm::kNr, nc = std::min(out, p_end * gemm::kNr) - j0;
      for (i64 k0 = 0; k0 < in; k0 += gemm::kKc) {
        const i64 kc = std::min(gemm::kKc, in - k0);
        gemm::pack_b_transposed(w, in, k0, kc, j0, nc,
                                all + gemm::PrepackedB::floats(k0, out) + j0 * kc);
      }
    });
    gemm::run(rows, out, in, x, in, gemm::PrepackedB{all, out}, y, out);
  } else {
    gemm::run(
        rows, out, in, x, in,
        [&](i64 k0, i64 kc, i64 j0, i64 nc, float* dst) {
          gemm::pack_b_transposed(w, in, k0, kc, j0, nc, dst);
          return static_cast<const float*>(dst);
        },
        y, out);
  }
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
