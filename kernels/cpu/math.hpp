#pragma once
// Transcendentals for the CPU kernels, written in plain fp32 arithmetic. libm's expf/erff differ
// between C libraries and versions, and their calls keep loops scalar; these give the same bits on
// every machine of one architecture and auto-vectorize (loops over independent elements).
// Relative error is a few ulp, far inside the 1e-5 the kernels are tested to.
#include <bit>
#include <cmath>
#include <cstdint>

namespace seedgrid::kernels::cpu {

// exp(x): x = n·ln2 + r with |r| <= ln2/2 (Cody-Waite split of ln2), exp(r) by the Cephes expf
// polynomial, then scaled by 2^n in two exact power-of-two steps so subnormal results round once.
// x is clamped to [-104, 89], where 2^n still fits the two steps; the scaling itself then overflows
// to +inf above ln(FLT_MAX) and underflows to +0 below ln(2^-150). NaN passes the clamps.
// (No select after the polynomial: GCC would sink the polynomial into a branch and stop
// vectorizing loops over this function.)
inline float exp_f32(float x) {
  float xc = x > 89.0f ? 89.0f : x;
  xc = xc < -104.0f ? -104.0f : xc;
  constexpr float kRound = 12582912.0f;  // 1.5·2^23: adding and subtracting it rounds to integer
  const float n = (xc * 1.44269504088896341f + kRound) - kRound;
  float r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * (r * r) + r + 1.0f;
  const std::int32_t ni = static_cast<std::int32_t>(n);
  const std::int32_t half = ni >> 1;
  const float s1 = std::bit_cast<float>((half + 127) << 23);
  const float s2 = std::bit_cast<float>((ni - half + 127) << 23);
  return (p * s1) * s2;
}

// SiLU x·sigmoid(x), as x / (1 + exp(-x)): one rounding fewer than multiplying by the sigmoid.
inline float silu_f32(float x) { return x / (1.0f + exp_f32(-x)); }

// quick GELU (CLIP) x·sigmoid(1.702 x), as x / (1 + exp(-1.702 x)).
inline float quick_gelu_f32(float x) { return x / (1.0f + exp_f32(-1.702f * x)); }

// Standard normal CDF Φ(x) = erfc(-x/√2)/2, with erfc from the Chebyshev fit of Numerical Recipes'
// erfcc (fractional error < 1.2e-7 everywhere), so Φ keeps its relative accuracy in the far left
// tail where 1 + erf(x) would cancel.
inline float normal_cdf_f32(float x) {
  const float ax = std::fabs(x);
  const float t = 1.0f / (1.0f + 0.5f * (ax * 0.70710678118654752f));
  float p = 0.17087277f;
  p = p * t - 0.82215223f;
  p = p * t + 1.48851587f;
  p = p * t - 1.13520398f;
  p = p * t + 0.27886807f;
  p = p * t - 0.18628806f;
  p = p * t + 0.09678418f;
  p = p * t + 0.37409196f;
  p = p * t + 1.00002368f;
  p = p * t - 1.26551223f;
  // exp(-x²/2 + p) as exp(-s²/2)·exp((s - |x|)(s + |x|)/2 + p), with s = |x| cut to 12
  // significant bits so s² is exact: rounding x/√2 or x² would cost up to x²·2^-24 of relative
  // accuracy in the tail.
  const float s = std::bit_cast<float>(std::bit_cast<std::uint32_t>(ax) & 0xfffff000u);
  const float tail = exp_f32(-0.5f * (s * s)) * exp_f32(0.5f * ((s - ax) * (s + ax)) + p);
  const float half_erfc = 0.5f * (t * tail);
  const float upper = 1.0f - half_erfc;  // computed unconditionally so the select vectorizes
  return x < 0.0f ? half_erfc : upper;
}

// GELU with erf: x·Φ(x).
inline float gelu_f32(float x) { return x * normal_cdf_f32(x); }

}  // namespace seedgrid::kernels::cpu
