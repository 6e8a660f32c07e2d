#include <algorithm>
#include <cstring>

#include "kernels/cpu/gemm.hpp"
#include "kernels/cpu/ops.hpp"
#include "kernels/cpu/parallel.hpp"

namespace seedgrid::kernels::cpu {
namespace {

// Packs B = im2col(x) for one image straight into GEMM panels: row kk = (ci, ky, kx), column
// p = (oy, ox), value x[ci, oy·stride - pad + ky, ox·stride - pad + kx] or 0 outside the image.
class Im2colPacker {
 public:
  Im2colPacker(const ConvShape& s, const float* image)
      : s_(s), x_(image), out_w_(s.out_width()), taps_(s.kernel_h * s.kernel_w) {}

  const float* operator()(i64 k0, i64 kc, i64 j0, i64 nc, float* dst) const {
    for (i64 jr = 0; jr < nc; jr += gemm::kNr) {
      const i64 nr = std::min(gemm::kNr, nc - jr);
      pack_panel(k0, kc, j0 + jr, nr, dst + jr * kc);
    }
    return dst;
  }

 private:
  void pack_panel(i64 k0, i64 kc, i64 p0, i64 nr, float* panel) const {
    constexpr i64 kNr = gemm::kNr;
    i64 iy0[kNr], ix0[kNr];
    for (i64 j = 0; j < nr; ++j) {
      const i64 oy = (p0 + j) / out_w_, ox = (p0 + j) % out_w_;
      iy0[j] = oy * s_.stride - s_.pad_begin;
      ix0[j] = ox * s_.stride - s_.pad_begin;
    }
    // A full panel of unit-stride pixels in one output row reads 8 neighbouring input values.
    const bool one_row = nr == kNr && s_.stride == 1 && iy0[0] == iy0[kNr - 1];
    const i64 height = s_.height, width = s_.width;
    i64 ci = k0 / taps_, ky = (k0 % taps_) / s_.kernel_w, kx = k0 % s_.kernel_w;
    for (i64 p = 0; p < kc; ++p) {
      float* out = panel + p * kNr;
      const float* plane = x_ + ci * height * width;
      if (one_row) {
        const i64 iy = iy0[0] + ky, ix = ix0[0] + kx;
        if (iy < 0 || iy >= height) {
          std::fill(out, out + kNr, 0.0f);
        } else if (ix >= 0 && ix + kNr <= width) {
          std::memcpy(out, plane + iy * width + ix, kNr * sizeof(float));
        } else {
          for (i64 j = 0; j < kNr; ++j)
            out[j] = ix + j >= 0 && ix + j < width ? plane[iy * width + ix + j] : 0.0f;
        }
      } else {
        for (i64 j = 0; j < nr; ++j) {
          const i64 iy = iy0[j] + ky, ix = ix0[j] + kx;
          out[j] = iy >= 0 && iy < height && ix >= 0 && ix < width ? plane[iy * width + ix] : 0.0f;
        }
        for (i64 j = nr; j < kNr; ++j) out[j] = 0.0f;
      }
      if (++kx == s_.kernel_w) {
        kx = 0;
        if (++ky == s_.kernel_h) ky = 0, ++ci;
      }
    }
  }

  const ConvShape& s_;
  const float* x_;
  i64 out_w_, taps_;
};

// W is float or fp16 bits: the weights are GEMM's A, which gemm::pack_a widens as it packs.
template <class W>
void conv2d_of(const ConvShape& s, const float* x, const W* w, const float* bias, float* y) {
  const i64 k = s.in_channels * s.kernel_h * s.kernel_w;
  const i64 pixels = s.out_height() * s.out_width();
  const i64 in_image = s.in_channels * s.height * s.width;
  const bool pointwise =
      s.kernel_h == 1 && s.kernel_w == 1 && s.stride == 1 && s.pad_begin == 0 && s.pad_end == 0;
  // Over a batch (CFG's two rows, say) the weights are widened and packed once, not per image.
  const float* w_packed = nullptr;
  if (s.batch > 1) {
    float* all = gemm::scratch(gemm::Scratch::all_of_a, gemm::padded_rows(s.out_channels) * k);
    gemm::pack_all_of_a(s.out_channels, k, w, k, all);
    w_packed = all;
  }
  for (i64 b = 0; b < s.batch; ++b) {
    const float* image = x + b * in_image;
    float* out = y + b * s.out_channels * pixels;
    if (pointwise) {
      gemm::run(
          s.out_channels, pixels, k, w, k,
          [&](i64 k0, i64 kc, i64 j0, i64 nc, float* dst) {
            gemm::pack_b_rows(image, pixels, k0, kc, j0, nc, dst);
            return static_cast<const float*>(dst);
          },
          out, pixels, w_packed);
    } else {
      gemm::run(s.out_channels, pixels, k, w, k, Im2colPacker(s, image), out, pixels, w_packed);
    }
    if (bias == nullptr) continue;
    parallel_for(s.out_channels, (1 << 15) / (pixels + 1) + 1, [&](i64 begin, i64 end) {
      for (i64 co = begin; co < end; ++co) {
        float* row = out + co * pixels;
        for (i64 p = 0; p < pixels; ++p) row[p] = row[p] + bias[co];
      }
    });
  }
}

}  // namespace

void conv2d(const ConvShape& s, const float* x, const float* w, const float* bias, float* y) {
  conv2d_of(s, x, w, bias, y);
}

void conv2d(const ConvShape& s, const float* x, const std::uint16_t* w, const float* bias,
            float* y) {
  conv2d_of(s, x, w, bias, y);
}

}  // namespace seedgrid::kernels::cpu
