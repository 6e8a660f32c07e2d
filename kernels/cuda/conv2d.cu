// conv2d as an implicit GEMM through gemm_tile.cuh: for the whole batch at once,
//   C[co, (b, oy, ox)] = Σ_{(ci, ky, kx)} w[co, ci, ky, kx] · x[b, ci, oy·s - p + ky, ox·s - p + kx]
// with A = the weights [Cout, Cin·kh·kw] (row-major as stored) and B gathered from x on the fly
// (zeros in the padding). K runs over (ci, ky, kx) lexicographically, as on the CPU, and the
// pixel a column belongs to never changes its sum, so batch size does not change any output.
#include "kernels/cuda/gemm_tile.cuh"

namespace seedgrid::kernels::cuda {
namespace {

struct Im2colLoader {
  const __half* x;
  i64 channels, height, width, out_w, out_hw, kh, kw, stride, pad, columns, k;

  __device__ void load(__half (*dst)[tile::kLd], i64 col0, i64 k0, int cols_in_tile) const {
    // Each thread keeps one column (one output pixel): adjacent threads read adjacent pixels.
    static_assert(tile::kThreads % tile::kBN == 0);
    const int c = threadIdx.x % tile::kBN;
    const i64 col = col0 + c;
    const bool inside = col < columns && c < cols_in_tile;
    i64 b = 0, iy0 = 0, ix0 = 0;
    if (inside) {
      b = col / out_hw;
      const i64 p = col % out_hw;
      iy0 = (p / out_w) * stride - pad;
      ix0 = (p % out_w) * stride - pad;
    }
    const __half* xb = x + b * channels * height * width;
    const i64 taps = kh * kw;
    for (int kk = threadIdx.x / tile::kBN; kk < tile::kBK; kk += tile::kThreads / tile::kBN) {
      const i64 kidx = k0 + kk;
      __half v = __float2half(0.0f);
      if (inside && kidx < k) {
        const i64 ci = kidx / taps, t = kidx % taps;
        const i64 iy = iy0 + t / kw, ix = ix0 + t % kw;
        if (iy >= 0 && iy < height && ix >= 0 && ix < width) v = xb[(ci * height + iy) * width + ix];
      }
      dst[c][kk] = v;
    }
  }
};

struct ConvEpilogue {
  const __half* bias;
  __half* y;
  i64 out_channels, out_hw;
  __device__ void operator()(i64 co, i64 col, float sum) const {
    const float v = bias ? sum + __half2float(bias[co]) : sum;
    const i64 b = col / out_hw, p = col % out_hw;
    y[(b * out_channels + co) * out_hw + p] = __float2half_rn(v);
  }
};

}  // namespace

void conv2d(const ConvShape& s, const Half* x, const Half* w, const Half* bias, Half* y,
            Stream stream) {
  const i64 k = s.in_channels * s.kernel_h * s.kernel_w;
  const i64 out_hw = s.out_height() * s.out_width();
  const i64 columns = s.batch * out_hw;
  const bool vec = k % 8 == 0 && (reinterpret_cast<std::uintptr_t>(w) & 15u) == 0;
  const tile::RowMajorLoader a{reinterpret_cast<const __half*>(w), s.out_channels, k, k, vec};
  // pad_end needs no field: a tap past the bottom/right edge is outside the input and reads zero.
  const Im2colLoader b{reinterpret_cast<const __half*>(x), s.in_channels, s.height, s.width,
                       s.out_width(), out_hw, s.kernel_h, s.kernel_w, s.stride, s.pad_begin,
                       columns, k};
  const ConvEpilogue e{reinterpret_cast<const __half*>(bias), reinterpret_cast<__half*>(y),
                       s.out_channels, out_hw};
  tile::launch(s.out_channels, columns, k, a, b, e, stream);
}

}  // namespace seedgrid::kernels::cuda
