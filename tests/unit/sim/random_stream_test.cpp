#include "runtime/sim/random_stream.hpp"

#include <gtest/gtest.h>

namespace seedgrid::sim {
namespace {

TEST(RandomStream, SameSeedAndSourceDrawTheSameNumbers) {
  RandomStream a(42, "worker/3"), b(42, "worker/3");
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.next(), b.next());
}

TEST(RandomStream, SourcesAndSeedsAreIndependentStreams) {
  RandomStream a(42, "worker/3"), b(42, "worker/4"), c(43, "worker/3");
  int same_b = 0, same_c = 0;
  for (int i = 0; i < 100; ++i) {
    const auto x = a.next();
    same_b += x == b.next();
    same_c += x == c.next();
  }
  EXPECT_EQ(same_b, 0);
  EXPECT_EQ(same_c, 0);
}

TEST(RandomStream, DrawsStayInTheirRangesAndMeans) {
  RandomStream r(7, "test");
  double sum = 0, factor_sum = 0;
  const int n = 20'000;
  for (int i = 0; i < n; ++i) {
    const double u = r.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    ASSERT_LT(r.below(10), 10u);
    sum += r.exponential(5.0);
    factor_sum += r.lognormal_factor(0.3);
  }
  EXPECT_NEAR(sum / n, 5.0, 0.2);
  EXPECT_NEAR(factor_sum / n, 1.0, 0.02);
  EXPECT_EQ(r.lognormal_factor(0.0), 1.0);
}

}  // namespace
}  // namespace seedgrid::sim
