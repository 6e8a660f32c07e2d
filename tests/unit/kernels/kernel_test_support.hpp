#pragma once
// Shared by the kernel tests: fresh random inputs per run (the seed is printed with every
// failure and can be pinned with SEEDGRID_TEST_SEED), NaN-poisoned outputs, and the relative L2
// comparison against double-precision references.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/cpu/parallel.hpp"

namespace seedgrid::kernels::testing {

using i64 = std::int64_t;

// One seed per test binary run: from SEEDGRID_TEST_SEED when set, else from std::random_device.
inline std::uint64_t run_seed() {
  static const std::uint64_t seed = [] {
    if (const char* pinned = std::getenv("SEEDGRID_TEST_SEED"))
      return static_cast<std::uint64_t>(std::strtoull(pinned, nullptr, 0));
    std::random_device device;
    return (static_cast<std::uint64_t>(device()) << 32) | device();
  }();
  return seed;
}

// Each test draws from its own stream of the run seed, and names the seed in its failures.
class KernelTest : public ::testing::Test {
 protected:
  KernelTest()
      : trace_(__FILE__, __LINE__,
               "random inputs from SEEDGRID_TEST_SEED=" + std::to_string(run_seed())),
        rng_(run_seed() ^ std::hash<std::string>{}(
                              ::testing::UnitTest::GetInstance()->current_test_info()->name())) {}

  // Values uniform in [-scale, scale].
  std::vector<float> random(i64 n, float scale = 1.0f) {
    std::uniform_real_distribution<float> dist(-scale, scale);
    std::vector<float> v(static_cast<std::size_t>(n));
    for (auto& x : v) x = dist(rng_);
    return v;
  }

  i64 random_int(i64 lo, i64 hi) { return std::uniform_int_distribution<i64>(lo, hi)(rng_); }

  std::mt19937_64& rng() { return rng_; }

 private:
  ::testing::ScopedTrace trace_;
  std::mt19937_64 rng_;
};

// Element i of v (the kernels size things in i64, std::vector in size_t).
template <class T>
T& at(std::vector<T>& v, i64 i) {
  return v[static_cast<std::size_t>(i)];
}
template <class T>
const T& at(const std::vector<T>& v, i64 i) {
  return v[static_cast<std::size_t>(i)];
}
// Element i of v in double, for the references.
inline double wide(const std::vector<float>& v, i64 i) { return at(v, i); }

// An output buffer of n NaNs: an element a kernel forgets to write fails the comparison.
inline std::vector<float> poisoned(i64 n) {
  return std::vector<float>(static_cast<std::size_t>(n), std::nanf(""));
}

// ||got - want|| / ||want||; +inf when any value is not finite or the sizes differ.
inline double relative_l2(const std::vector<float>& got, const std::vector<double>& want) {
  if (got.size() != want.size()) return INFINITY;
  double diff = 0, norm = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (!std::isfinite(got[i])) return INFINITY;
    const double d = static_cast<double>(got[i]) - want[i];
    diff += d * d;
    norm += want[i] * want[i];
  }
  return norm == 0 ? std::sqrt(diff) : std::sqrt(diff / norm);
}

inline constexpr double kTolerance = 1e-5;

#define EXPECT_CLOSE(got, want)                                   \
  EXPECT_LE(::seedgrid::kernels::testing::relative_l2(got, want), \
            ::seedgrid::kernels::testing::kTolerance)

inline bool same_bytes(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// Runs `compute` (which returns its output) with 1 thread and with 4.
template <class F>
bool same_bytes_for_1_and_4_threads(F compute) {
  std::vector<float> one, four;
  {
    cpu::ThreadCountScope scope(1);
    one = compute();
  }
  {
    cpu::ThreadCountScope scope(4);
    four = compute();
  }
  return same_bytes(one, four);
}

inline std::vector<double> to_double(const std::vector<float>& v) {
  return std::vector<double>(v.begin(), v.end());
}

}  // namespace seedgrid::kernels::testing
