// A request's progress as people read it: 100% only once every image is delivered, and never
// backwards when a job starts again (a retry, a coordinator restart).
#include "runtime/base/client/progress_meter.hpp"

#include <gtest/gtest.h>

namespace seedgrid::client {
namespace {

TEST(ProgressMeter, EveryStepRenderedIsNotYetOneHundredPercent) {
  ProgressMeter p(16, 20);
  for (std::uint32_t i = 0; i < 16; ++i) p.step(i, 20);
  for (std::uint32_t i = 0; i < 15; ++i) p.delivered(i);
  EXPECT_LT(p.percent(), 100) << "15 of 16 images delivered";
  EXPECT_EQ(p.images_delivered(), 15u);
  p.delivered(15);
  EXPECT_EQ(p.percent(), 100);
  EXPECT_EQ(p.images_delivered(), 16u);
}

TEST(ProgressMeter, AJobThatStartsAgainDoesNotTakeProgressBack) {
  ProgressMeter p(4, 10);
  int last = p.percent();
  auto forward = [&] {
    EXPECT_GE(p.percent(), last);
    last = p.percent();
  };
  p.step(0, 6);
  forward();
  p.step(1, 6);
  forward();
  const int before = p.percent();
  // Both jobs start again from step 1 elsewhere (the coordinator restarted).
  for (std::uint32_t s = 1; s <= 6; ++s) {
    p.step(0, s);
    p.step(1, s);
    forward();
  }
  EXPECT_EQ(p.percent(), before) << "no progress until they pass where they were";
  p.step(0, 8);
  EXPECT_GT(p.percent(), before);
  forward();
  // A delivery counts once, and a late step report after it changes nothing.
  p.delivered(2);
  forward();
  const int delivered = p.percent();
  p.delivered(2);
  p.step(2, 3);
  EXPECT_EQ(p.percent(), delivered);
  EXPECT_EQ(p.images_delivered(), 1u);
}

TEST(ProgressMeter, AnImageDeliveredWithoutStepReportsCountsInFull) {
  ProgressMeter p(2, 4);
  p.delivered(0);  // a result re-sent to a client that resumed: no progress events came
  EXPECT_EQ(p.percent(), 50);
  p.step(7, 4);  // an index outside the request is ignored
  p.delivered(7);
  EXPECT_EQ(p.percent(), 50);
  p.delivered(1);
  EXPECT_EQ(p.percent(), 100);
}

}  // namespace
}  // namespace seedgrid::client
