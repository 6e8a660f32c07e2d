#include "runtime/gateway/horde_samplers.hpp"

#include <gtest/gtest.h>

namespace seedgrid::gateway {
namespace {

TEST(HordeSamplers, MapsTheFourSamplersSeedgridHas) {
  EXPECT_EQ(sampler_from_horde("k_euler"), "euler");
  EXPECT_EQ(sampler_from_horde("k_euler_a"), "euler_a");
  EXPECT_EQ(sampler_from_horde("k_dpmpp_2m"), "dpmpp_2m");
  EXPECT_EQ(sampler_from_horde("DDIM"), "ddim");
  for (const char* ours : {"euler", "euler_a", "dpmpp_2m", "ddim"})
    EXPECT_EQ(sampler_from_horde(sampler_to_horde(ours)), ours);
}

TEST(HordeSamplers, RefusesSamplersWithoutAKernel) {
  EXPECT_FALSE(sampler_from_horde("k_lms"));
  EXPECT_FALSE(sampler_from_horde("k_dpm_2"));
  EXPECT_FALSE(sampler_from_horde("ddim"));  // Horde spells it DDIM
  EXPECT_FALSE(sampler_from_horde(""));
}

}  // namespace
}  // namespace seedgrid::gateway
