#include "runtime/base/verify/commitment/trajectory.hpp"

#include <gtest/gtest.h>

#include <cstring>

#include "tests/unit/verify/ramp_latent.hpp"

namespace seedgrid::verify {
namespace {

using testing::ramp_latent;

TEST(LatentLeaf, BindsStepShapeAndEveryByte) {
  const Tensor x = ramp_latent({1, 2, 2, 2}, 1.0f);
  const Digest leaf = latent_leaf(3, x);
  EXPECT_EQ(leaf, latent_leaf(3, ramp_latent({1, 2, 2, 2}, 1.0f)));
  EXPECT_NE(leaf, latent_leaf(2, x));
  EXPECT_NE(leaf, latent_leaf(3, x.reshape({1, 2, 1, 4})));  // same bytes, another shape
  for (std::size_t byte = 0; byte < x.bytes(); ++byte) {
    Tensor y = ramp_latent({1, 2, 2, 2}, 1.0f);
    static_cast<std::uint8_t*>(y.raw())[byte] ^= 0x01;
    EXPECT_NE(leaf, latent_leaf(3, y)) << "byte " << byte;
  }
}

TEST(LatentLeaf, NegativeZeroIsNotZero) {
  // Leaves hash bits, not values: a validator compares exactly what the worker computed.
  EXPECT_NE(latent_leaf(0, Tensor::host_f32({1, 1, 1, 1}, {0.0f})),
            latent_leaf(0, Tensor::host_f32({1, 1, 1, 1}, {-0.0f})));
}

TEST(Trajectory, RootIsTheMerkleRootOfItsLeaves) {
  Trajectory t;
  for (std::uint32_t i = 0; i < 5; ++i)
    t.record(i, ramp_latent({1, 4, 2, 2}, static_cast<float>(i)));
  ASSERT_EQ(t.leaf_count(), 5u);
  EXPECT_EQ(t.leaves()[2], latent_leaf(2, ramp_latent({1, 4, 2, 2}, 2.0f)));
  EXPECT_EQ(t.root(), merkle_root(t.leaves()));
}

TEST(Trajectory, KeepsItsOwnCopyOfEachLatent) {
  Trajectory t;
  Tensor x = ramp_latent({1, 1, 2, 2}, 0.0f);
  t.record(0, x);
  x.f32()[0] = 42.0f;  // the renderer reuses its buffer
  EXPECT_EQ(t.latent(0).f32()[0], 0.0f);
  EXPECT_EQ(t.leaves()[0], latent_leaf(0, ramp_latent({1, 1, 2, 2}, 0.0f)));
}

TEST(Trajectory, OpeningsVerifyAndTamperedOnesDoNot) {
  Trajectory t;
  for (std::uint32_t i = 0; i < 6; ++i)
    t.record(i, ramp_latent({1, 4, 2, 2}, static_cast<float>(i)));
  const Digest root = t.root();
  for (std::uint32_t i = 0; i < 6; ++i) {
    auto o = t.open(i);
    ASSERT_TRUE(o) << o.error().message;
    EXPECT_TRUE(check_opening(root, 6, *o)) << "x_" << i;
  }
  auto o = t.open(3);
  ASSERT_TRUE(o);

  LatentOpening bytes = *o;
  bytes.latent = ramp_latent({1, 4, 2, 2}, 3.0f);
  bytes.latent.f32()[5] += 1e-6f;
  auto r = check_opening(root, 6, bytes);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("x_3"), std::string::npos) << r.error().message;

  LatentOpening moved = *o;
  moved.t = 4;  // x_3's bytes claimed as x_4
  EXPECT_FALSE(check_opening(root, 6, moved));
  moved.proof.index = 4;
  EXPECT_FALSE(check_opening(root, 6, moved));

  EXPECT_FALSE(check_opening(root, 7, *o));  // a proof for another tree size

  LatentOpening sibling = *o;
  sibling.proof.siblings.front()[0] ^= 1;
  EXPECT_FALSE(check_opening(root, 6, sibling));

  LatentOpening flat = *o;
  flat.latent = o->latent.reshape({16});
  EXPECT_FALSE(check_opening(root, 6, flat));
}

TEST(Trajectory, OpenOutOfRangeIsAnError) {
  Trajectory t;
  t.record(0, ramp_latent({1, 1, 1, 1}, 0.0f));
  auto o = t.open(1);
  ASSERT_FALSE(o);
  EXPECT_NE(o.error().message.find("x_1"), std::string::npos);
}

}  // namespace
}  // namespace seedgrid::verify
