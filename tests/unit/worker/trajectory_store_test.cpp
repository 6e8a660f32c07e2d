#include <gtest/gtest.h>

#include "actors/worker/trajectory_store.hpp"

namespace seedgrid::worker {
namespace {

std::shared_ptr<const verify::Trajectory> trajectory(std::uint32_t leaves, float base) {
  auto t = std::make_shared<verify::Trajectory>();
  for (std::uint32_t i = 0; i < leaves; ++i)
    t->record(i, Tensor::host_f32({1, 1, 2, 2}, {base + i, 1.0f, 2.0f, 3.0f}));
  return t;
}

TEST(TrajectoryStore, OpensStepsThatVerifyAgainstTheRoot) {
  TrajectoryStore store(1'000, 1 << 20);
  auto t = trajectory(5, 10.0f);
  store.put("r/0", 1, t, 0);
  const std::vector<std::uint32_t> steps{1, 2, 4};
  auto opened = store.open("r/0", 1, steps, 500);
  ASSERT_TRUE(opened) << opened.error().message;
  ASSERT_EQ(opened->size(), 3u);
  for (const auto& o : *opened)
    EXPECT_TRUE(verify::check_opening(t->root(), 5, o)) << "step " << o.t;
  EXPECT_EQ((*opened)[2].latent.f32()[0], 14.0f);
  const std::vector<std::uint32_t> beyond{5};
  EXPECT_FALSE(store.open("r/0", 1, beyond, 500));
  EXPECT_FALSE(store.open("r/0", 2, steps, 500)) << "another attempt was never stored";
}

TEST(TrajectoryStore, DropsTrajectoriesPastTheChallengeWindow) {
  TrajectoryStore store(1'000, 1 << 20);
  store.put("r/0", 1, trajectory(3, 0.0f), 0);
  store.put("r/1", 1, trajectory(3, 0.0f), 800);
  const std::vector<std::uint32_t> steps{0};
  EXPECT_TRUE(store.open("r/0", 1, steps, 1'000));
  auto expired = store.open("r/0", 1, steps, 1'001);
  ASSERT_FALSE(expired);
  EXPECT_NE(expired.error().message.find("challenge window"), std::string::npos);
  EXPECT_TRUE(store.open("r/1", 1, steps, 1'001));
  store.expire(5'000);
  EXPECT_EQ(store.size(), 0u);
  EXPECT_EQ(store.bytes(), 0u);
}

TEST(TrajectoryStore, TheByteCapDropsTheOldestFirst) {
  const std::uint64_t one = 3 * 4 * sizeof(float);  // three latents of four floats
  TrajectoryStore store(60'000, 2 * one);
  store.put("r/0", 1, trajectory(3, 0.0f), 0);
  store.put("r/1", 1, trajectory(3, 0.0f), 1);
  EXPECT_EQ(store.bytes(), 2 * one);
  store.put("r/2", 1, trajectory(3, 0.0f), 2);
  EXPECT_EQ(store.size(), 2u);
  const std::vector<std::uint32_t> steps{0};
  EXPECT_FALSE(store.open("r/0", 1, steps, 3));
  EXPECT_TRUE(store.open("r/1", 1, steps, 3));
  EXPECT_TRUE(store.open("r/2", 1, steps, 3));
}

}  // namespace
}  // namespace seedgrid::worker
