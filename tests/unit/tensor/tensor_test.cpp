#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "models/result.hpp"
#include "models/tensor/half.hpp"
#include "models/tensor/tensor.hpp"

using namespace seedgrid;

TEST(Tensor, ReshapeAndSliceAreViews) {
  Tensor t = Tensor::host(Shape{4, 3, 2});
  for (int i = 0; i < 24; ++i) t.f32()[i] = static_cast<float>(i);
  Tensor r = t.reshape({4, -1});
  EXPECT_EQ(r.shape(), (Shape{4, 6}));
  Tensor s = t.slice(1, 3);
  EXPECT_EQ(s.shape(), (Shape{2, 3, 2}));
  EXPECT_EQ(s.f32()[0], 6.0f);
  s.f32()[0] = -1.0f;
  EXPECT_EQ(t.f32()[6], -1.0f);
  EXPECT_EQ(t.describe(), "f32[4, 3, 2] on cpu");
  EXPECT_EQ(t.dim(-1), 2);
}

TEST(TensorDeath, MisuseAbortsWithMessage) {
  Tensor t = Tensor::host(Shape{2, 3});
  EXPECT_DEATH(t.reshape({5}), "cannot reshape");
  EXPECT_DEATH(t.slice(1, 3), "slice");
  EXPECT_DEATH(t.u16(), "u16");
}

TEST(Half, EveryHalfRoundTrips) {
  for (std::uint32_t h = 0; h < 0x10000; ++h) {
    const auto bits = static_cast<std::uint16_t>(h);
    const float f = half_to_float(bits);
    if (std::isnan(f)) {
      EXPECT_TRUE(std::isnan(half_to_float(float_to_half(f))));
      continue;
    }
    ASSERT_EQ(float_to_half(f), bits) << "half bits " << h;
  }
}

TEST(Half, RoundsToNearestEven) {
  std::mt19937 rng(1234);
  std::uniform_real_distribution<float> u(-70000.0f, 70000.0f);
  for (int i = 0; i < 200000; ++i) {
    float f = u(rng) * (i % 3 == 0 ? 1e-6f : 1.0f);
    const std::uint16_t h = float_to_half(f);
    const float back = half_to_float(h);
    if (std::isinf(back)) {
      EXPECT_GE(std::fabs(f), 65520.0f);
      continue;
    }
    // The neighbours of h must not be strictly closer to f.
    for (int d : {-1, 1}) {
      const std::uint16_t n = static_cast<std::uint16_t>(h + d);
      const float other = half_to_float(n);
      if (std::isnan(other) || std::isinf(other)) continue;
      if ((n & 0x7fff) == 0x7fff || ((h ^ n) & 0x8000)) continue;
      ASSERT_LE(std::fabs(back - f), std::fabs(other - f)) << f;
    }
  }
}

TEST(BFloat16, RoundTripsAndRounds) {
  EXPECT_EQ(bf16_to_float(float_to_bf16(1.0f)), 1.0f);
  EXPECT_EQ(bf16_to_float(float_to_bf16(-2.5f)), -2.5f);
  // 1 + 2^-8 is exactly between two bf16 values: ties go to the even mantissa (1.0).
  EXPECT_EQ(bf16_to_float(float_to_bf16(1.0f + 1.0f / 256)), 1.0f);
  EXPECT_TRUE(std::isnan(bf16_to_float(float_to_bf16(std::nanf("")))));
}

TEST(Tensor, HostDtypeConversion) {
  Tensor f = Tensor::host_f32({3}, {1.0f, -0.5f, 65504.0f});
  Tensor h = host_to_dtype(f, DType::f16);
  EXPECT_EQ(h.dtype(), DType::f16);
  Tensor back = host_to_dtype(h, DType::f32);
  EXPECT_EQ(std::memcmp(back.raw(), f.raw(), f.bytes()), 0);
}

TEST(Result, MessagesNameTheValues) {
  auto r = []() -> Result<int> { return fail("width ", 513, " is not a multiple of ", 8); }();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "width 513 is not a multiple of 8");
  auto c = context(r.error(), "request ", std::string("r1"));
  EXPECT_EQ(c.error().message, "request r1: width 513 is not a multiple of 8");
}
