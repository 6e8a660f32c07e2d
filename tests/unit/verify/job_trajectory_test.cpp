// One commitment over every pass of a job: pass 0 commits today's leaves (a one-pass job's root is
// a built-in render's), later passes' leaves name their pass, and the spans locate each pass.
#include "runtime/base/verify/commitment/job_trajectory.hpp"

#include <gtest/gtest.h>

#include "runtime/base/verify/commitment/merkle.hpp"
#include "runtime/base/verify/commitment/trajectory.hpp"
#include "tests/unit/verify/ramp_latent.hpp"

namespace seedgrid::verify {
namespace {

using testing::ramp_latent;

std::vector<Digest> pass_leaves(std::uint32_t pass, std::uint32_t steps, float base) {
  std::vector<Digest> leaves;
  for (std::uint32_t t = 0; t <= steps; ++t)
    leaves.push_back(
        pass_latent_leaf(pass, t, ramp_latent({1, 4, 2, 2}, base + static_cast<float>(t))));
  return leaves;
}

TEST(PassLatentLeaf, PassZeroIsTodaysLeaf) {
  const Tensor x = ramp_latent({1, 4, 2, 2}, 1.0f);
  EXPECT_EQ(pass_latent_leaf(0, 3, x), latent_leaf(3, x));
}

TEST(PassLatentLeaf, NamesItsPassAndStep) {
  const Tensor x = ramp_latent({1, 4, 2, 2}, 1.0f);
  const Digest leaf = pass_latent_leaf(1, 3, x);
  EXPECT_EQ(leaf, pass_latent_leaf(1, 3, ramp_latent({1, 4, 2, 2}, 1.0f)));
  EXPECT_NE(leaf, latent_leaf(3, x));                                // not pass 0's leaf
  EXPECT_NE(leaf, pass_latent_leaf(2, 3, x));                        // another pass
  EXPECT_NE(leaf, pass_latent_leaf(1, 2, x));                        // another step
  EXPECT_NE(leaf, pass_latent_leaf(1, 3, x.reshape({1, 2, 4, 2})));  // another shape
  Tensor y = ramp_latent({1, 4, 2, 2}, 1.0f);
  static_cast<std::uint8_t*>(y.raw())[5] ^= 0x01;
  EXPECT_NE(leaf, pass_latent_leaf(1, 3, y));
}

TEST(JobTrajectory, OnePassIsTodaysRoot) {
  Trajectory t;
  for (std::uint32_t i = 0; i < 6; ++i)
    t.record(i, ramp_latent({1, 4, 2, 2}, static_cast<float>(i)));
  const std::vector<std::vector<Digest>> passes{pass_leaves(0, 5, 0.0f)};
  EXPECT_EQ(job_trajectory_root(passes), t.root());
  EXPECT_EQ(job_leaves(passes), t.leaves());
}

TEST(JobTrajectory, CoversEveryPassInOrder) {
  const std::vector<std::vector<Digest>> passes{pass_leaves(0, 4, 0.0f), pass_leaves(1, 2, 9.0f)};
  const std::vector<Digest> all = job_leaves(passes);
  ASSERT_EQ(all.size(), 5u + 3u);
  EXPECT_EQ(all[5], passes[1][0]);
  EXPECT_EQ(job_trajectory_root(passes), merkle_root(all));
  // A skipped pass, a shortened pass or passes swapped: another root.
  using Passes = std::vector<std::vector<Digest>>;
  EXPECT_NE(job_trajectory_root(passes), job_trajectory_root(Passes{passes[0]}));
  EXPECT_NE(job_trajectory_root(passes),
            job_trajectory_root(Passes{passes[0], pass_leaves(1, 1, 9.0f)}));
  EXPECT_NE(job_trajectory_root(passes), job_trajectory_root(Passes{passes[1], passes[0]}));
  // Any leaf of any pass opens against the job's root.
  for (std::uint32_t i = 0; i < all.size(); ++i)
    EXPECT_TRUE(merkle_verify(job_trajectory_root(passes), all[i], merkle_proof(all, i))) << i;
}

TEST(JobTrajectory, SpansLocateEachPass) {
  const std::vector<std::uint32_t> steps{20, 10, 0};
  EXPECT_EQ(pass_spans(steps), (std::vector<PassSpan>{{0, 21}, {21, 11}, {32, 1}}));
  EXPECT_EQ(job_leaf_count(steps), 33u);
  EXPECT_EQ(job_leaf_count(std::vector<std::uint32_t>{}), 0u);
}

}  // namespace
}  // namespace seedgrid::verify
