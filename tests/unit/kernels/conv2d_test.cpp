#include <vector>

#include "kernel_test_support.hpp"
#include "kernels/cpu/ops.hpp"

namespace seedgrid::kernels {
namespace {

using testing::at;
using testing::i64;
using testing::wide;

class Conv2dTest : public testing::KernelTest {
 protected:
  struct Case {
    cpu::ConvShape shape;
    std::vector<float> x, w, b;
  };

  Case make(i64 batch, i64 cin, i64 h, i64 w, i64 cout, i64 kh, i64 kw, i64 stride, i64 pad_begin,
            i64 pad_end) {
    Case c;
    c.shape.batch = batch, c.shape.in_channels = cin, c.shape.height = h, c.shape.width = w;
    c.shape.out_channels = cout, c.shape.kernel_h = kh, c.shape.kernel_w = kw;
    c.shape.stride = stride, c.shape.pad_begin = pad_begin, c.shape.pad_end = pad_end;
    c.x = random(batch * cin * h * w);
    c.w = random(cout * cin * kh * kw);
    c.b = random(cout);
    return c;
  }
};

std::vector<float> run(const cpu::ConvShape& s, const std::vector<float>& x,
                       const std::vector<float>& w, const float* bias) {
  std::vector<float> y =
      testing::poisoned(s.batch * s.out_channels * s.out_height() * s.out_width());
  cpu::conv2d(s, x.data(), w.data(), bias, y.data());
  return y;
}

std::vector<double> reference(const cpu::ConvShape& s, const std::vector<float>& x,
                              const std::vector<float>& w, const float* bias) {
  const i64 ho = s.out_height(), wo = s.out_width();
  std::vector<double> y(static_cast<std::size_t>(s.batch * s.out_channels * ho * wo));
  for (i64 b = 0; b < s.batch; ++b)
    for (i64 co = 0; co < s.out_channels; ++co)
      for (i64 oy = 0; oy < ho; ++oy)
        for (i64 ox = 0; ox < wo; ++ox) {
          double sum = bias ? bias[co] : 0.0;
          for (i64 ci = 0; ci < s.in_channels; ++ci)
            for (i64 ky = 0; ky < s.kernel_h; ++ky)
              for (i64 kx = 0; kx < s.kernel_w; ++kx) {
                const i64 iy = oy * s.stride - s.pad_begin + ky,
                          ix = ox * s.stride - s.pad_begin + kx;
                if (iy < 0 || iy >= s.height || ix < 0 || ix >= s.width) continue;
                sum += wide(x, ((b * s.in_channels + ci) * s.height + iy) * s.width + ix) *
                       at(w, ((co * s.in_channels + ci) * s.kernel_h + ky) * s.kernel_w + kx);
              }
          at(y, ((b * s.out_channels + co) * ho + oy) * wo + ox) = sum;
        }
  return y;
}

TEST_F(Conv2dTest, MatchesDoubleReference) {
  struct Geometry {
    i64 batch, cin, h, w, cout, kh, kw, stride, pad_begin, pad_end;
  };
  const Geometry geometries[] = {
      {2, 5, 17, 19, 7, 3, 3, 1, 1, 1},  // the UNet/VAE 3x3 (rows wider than the 8-pixel tile)
      {1, 3, 5, 6, 13, 3, 3, 1, 1, 1},   // rows narrower than a tile: tiles span rows
      {2, 11, 9, 13, 5, 1, 1, 1, 0, 0},  // 1x1 (a plain GEMM over pixels)
      {1, 7, 15, 17, 9, 3, 3, 2, 1, 1},  // the UNet downsample
      {2, 4, 16, 14, 6, 3, 3, 2, 0, 1},  // the VAE encoder downsample: bottom/right padding only
      {1, 3, 11, 12, 4, 5, 3, 3, 2, 0},  // odd kernel, stride 3, asymmetric padding
      {1, 30, 10, 9, 7, 3, 3, 1, 1, 1},  // K = 270 crosses a k block
  };
  for (const Geometry& g : geometries) {
    SCOPED_TRACE(::testing::Message()
                 << "x [" << g.batch << ", " << g.cin << ", " << g.h << ", " << g.w << "] w ["
                 << g.cout << ", " << g.cin << ", " << g.kh << ", " << g.kw << "] stride "
                 << g.stride << " pad " << g.pad_begin << "/" << g.pad_end);
    const Case c =
        make(g.batch, g.cin, g.h, g.w, g.cout, g.kh, g.kw, g.stride, g.pad_begin, g.pad_end);
    EXPECT_CLOSE(run(c.shape, c.x, c.w, c.b.data()), reference(c.shape, c.x, c.w, c.b.data()));
    EXPECT_CLOSE(run(c.shape, c.x, c.w, nullptr), reference(c.shape, c.x, c.w, nullptr));
  }
}

TEST_F(Conv2dTest, ImagesAreBatchInvariant) {
  Case c = make(4, 6, 13, 11, 9, 3, 3, 1, 1, 1);
  const std::vector<float> batch = run(c.shape, c.x, c.w, c.b.data());
  const i64 in_image = 6 * 13 * 11, out_image = 9 * 13 * 11;
  cpu::ConvShape one = c.shape;
  one.batch = 1;
  for (i64 b = 0; b < 4; ++b) {
    const std::vector<float> x(c.x.begin() + b * in_image, c.x.begin() + (b + 1) * in_image);
    const std::vector<float> alone = run(one, x, c.w, c.b.data());
    EXPECT_EQ(std::memcmp(alone.data(), batch.data() + b * out_image, out_image * sizeof(float)), 0)
        << "image " << b;
  }
}

TEST_F(Conv2dTest, ThreadCountInvariant) {
  const Case c = make(2, 19, 40, 37, 29, 3, 3, 1, 1, 1);
  EXPECT_TRUE(
      testing::same_bytes_for_1_and_4_threads([&] { return run(c.shape, c.x, c.w, c.b.data()); }));
}

}  // namespace
}  // namespace seedgrid::kernels
