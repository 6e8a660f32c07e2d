#pragma once
// Shared by the CUDA tests: one CudaBackend per binary (or a skip naming why there is none), a
// CPU backend to compare with, fresh random inputs each run (the seed is printed once and named in
// every failure; pin it with SEEDGRID_TEST_SEED), and the comparisons.
//
// Inputs are rounded to fp16 before both backends see them, so a comparison measures the kernels
// and not the storage rounding of the inputs.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "models/backend/cpu_backend.hpp"
#include "models/backend/cuda_backend.hpp"
#include "models/tensor/half.hpp"

namespace seedgrid::testing {

inline std::uint64_t run_seed() {
  static const std::uint64_t seed = [] {
    std::uint64_t s;
    if (const char* pinned = std::getenv("SEEDGRID_TEST_SEED")) {
      s = std::strtoull(pinned, nullptr, 0);
    } else {
      std::random_device device;
      s = (static_cast<std::uint64_t>(device()) << 32) | device();
    }
    std::printf("cuda tests: random inputs from SEEDGRID_TEST_SEED=%llu\n",
                static_cast<unsigned long long>(s));
    return s;
  }();
  return seed;
}

// The process's backend, created once; null with the reason when there is no usable device.
struct SharedCuda {
  std::unique_ptr<CudaBackend> backend;
  std::string why;
};
inline SharedCuda& shared_cuda() {
  static SharedCuda shared = [] {
    SharedCuda s;
    auto created = CudaBackend::create();
    if (created) {
      s.backend = std::move(*created);
      std::printf("cuda tests: %s (sm %s), determinism class %s\n", s.backend->device_name().c_str(),
                  s.backend->compute_capability().c_str(), s.backend->determinism_class().c_str());
    } else {
      s.why = created.error().message;
    }
    return s;
  }();
  return shared;
}

class CudaTest : public ::testing::Test {
 protected:
  CudaTest()
      : trace_(__FILE__, __LINE__,
               "random inputs from SEEDGRID_TEST_SEED=" + std::to_string(run_seed())),
        rng_(run_seed() ^ std::hash<std::string>{}(
                              ::testing::UnitTest::GetInstance()->current_test_info()->name())) {}

  void SetUp() override {
    if (!shared_cuda().backend) GTEST_SKIP() << shared_cuda().why;  // "no CUDA device: ..."
  }

  CudaBackend& gpu() { return *shared_cuda().backend; }
  CpuBackend& cpu() { return cpu_; }

  // A host f32 tensor of values uniform in [-scale, scale], each exactly an fp16 value.
  Tensor random(Shape shape, float scale = 1.0f) {
    Tensor t = Tensor::host(std::move(shape));
    std::uniform_real_distribution<float> dist(-scale, scale);
    float* p = t.f32();
    for (std::int64_t i = 0; i < t.numel(); ++i) p[i] = half_to_float(float_to_half(dist(rng_)));
    return t;
  }
  std::int64_t random_int(std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng_);
  }
  std::mt19937_64& rng() { return rng_; }

 private:
  ::testing::ScopedTrace trace_;
  std::mt19937_64 rng_;
  CpuBackend cpu_;
};

// ||got - want|| / ||want|| over host f32 tensors; NaN (never passing) when either holds a NaN or
// the shapes differ.
inline double relative_l2(const Tensor& got, const Tensor& want) {
  if (got.shape() != want.shape()) return NAN;
  double diff = 0, norm = 0;
  const float* g = got.f32();
  const float* w = want.f32();
  for (std::int64_t i = 0; i < got.numel(); ++i) {
    if (std::isnan(g[i]) || std::isnan(w[i])) return NAN;
    const double d = static_cast<double>(g[i]) - w[i];
    diff += d * d;
    norm += static_cast<double>(w[i]) * w[i];
  }
  return norm == 0 ? (diff == 0 ? 0 : INFINITY) : std::sqrt(diff / norm);
}

constexpr double kF16Tolerance = 2e-3;

#define EXPECT_CLOSE_F16(got, want)                                                   \
  do {                                                                                \
    const double rel_ = ::seedgrid::testing::relative_l2((got), (want));              \
    EXPECT_TRUE(rel_ <= ::seedgrid::testing::kF16Tolerance)                           \
        << "relative L2 " << rel_ << " (limit " << ::seedgrid::testing::kF16Tolerance \
        << ") for " << (want).describe();                                             \
  } while (0)

inline bool same_bytes(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && a.dtype() == b.dtype() &&
         std::memcmp(a.raw(), b.raw(), a.bytes()) == 0;
}

}  // namespace seedgrid::testing
