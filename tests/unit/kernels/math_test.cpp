#include "kernels/cpu/math.hpp"

#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <limits>

namespace seedgrid::kernels::cpu {
namespace {

// Largest relative error of f against `exact` over a dense grid of [lo, hi], skipping results
// below FLT_MIN (subnormals carry fewer significant bits).
template <class F, class Exact>
double max_relative_error(F f, Exact exact, float lo, float hi, float step) {
  double worst = 0;
  for (float x = lo; x <= hi; x += step) {
    const double want = exact(static_cast<double>(x));
    if (std::fabs(want) < FLT_MIN || std::fabs(want) > FLT_MAX) continue;
    const double got = f(x);
    worst =
        std::max(worst, std::isfinite(got) ? std::fabs(got - want) / std::fabs(want) : INFINITY);
  }
  return worst;
}

TEST(KernelMath, ExpIsWithinTwoUlp) {
  EXPECT_LE(max_relative_error(
                exp_f32, [](double x) { return std::exp(x); }, -87.3f, 88.7f, 0.00731f),
            1.2e-7);
  EXPECT_EQ(exp_f32(0.0f), 1.0f);
  EXPECT_EQ(exp_f32(89.0f), std::numeric_limits<float>::infinity());
  EXPECT_EQ(exp_f32(1e30f), std::numeric_limits<float>::infinity());
  EXPECT_EQ(exp_f32(-1e30f), 0.0f);
  EXPECT_GT(exp_f32(-100.0f), 0.0f);  // subnormal, not flushed
  EXPECT_NEAR(exp_f32(-100.0f), std::exp(-100.0), 1e-45);
  EXPECT_TRUE(std::isnan(exp_f32(std::nanf(""))));
}

TEST(KernelMath, NormalCdfKeepsRelativeAccuracyInTheTail) {
  auto phi = [](double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); };
  EXPECT_LE(max_relative_error(normal_cdf_f32, phi, -12.0f, 9.0f, 0.00377f), 1e-6);
  EXPECT_LE(max_relative_error(
                gelu_f32, [&](double x) { return x * phi(x); }, -12.0f, 12.0f, 0.00377f),
            1e-6);
  EXPECT_EQ(gelu_f32(0.0f), 0.0f);
  EXPECT_EQ(gelu_f32(20.0f), 20.0f);
  EXPECT_TRUE(std::isnan(gelu_f32(std::nanf(""))));
}

TEST(KernelMath, Sigmoids) {
  auto silu = [](double x) { return x / (1 + std::exp(-x)); };
  // As in CLIP's fp32 PyTorch, the sigmoid's argument is the float product 1.702f·x; its rounding
  // alone moves the result by up to |1.702 x|·2^-24 relative, so the reference starts from it.
  auto quick = [](double x) {
    return x / (1 + std::exp(-static_cast<double>(1.702f * static_cast<float>(x))));
  };
  EXPECT_LE(max_relative_error(silu_f32, silu, -80.0f, 80.0f, 0.0131f), 5e-7);
  EXPECT_LE(max_relative_error(quick_gelu_f32, quick, -45.0f, 45.0f, 0.0131f), 5e-7);
  EXPECT_EQ(silu_f32(-200.0f), -0.0f);
  EXPECT_EQ(silu_f32(200.0f), 200.0f);
}

}  // namespace
}  // namespace seedgrid::kernels::cpu
