#include "actors/treasury/pricing.hpp"

#include <gtest/gtest.h>

using namespace seedgrid::treasury;

namespace {
// SD 1.x on the reference hardware: 43.2 render-seconds for a base render.
QuoteRequest base_render() {
  return {.base_render_millis = 43'200,
          .steps = 20,
          .width = 512,
          .height = 512,
          .tier = Tier::fast,
          .count = 1};
}
}  // namespace

TEST(Pricing, OneBaseRenderCostsOneCredit) {
  auto q = quote(TreasuryConfig{}, base_render());
  ASSERT_TRUE(q.has_value()) << q.error().message;
  EXPECT_EQ(q->per_job, 1'000'000);
  EXPECT_EQ(q->render_millis_per_job, 43'200);
  EXPECT_EQ(q->total, 1'000'000);
  EXPECT_EQ(q->usd_micros_total, 5'000);  // 0.005 USD
}

TEST(Pricing, ScalesWithStepsPixelsTierAndCount) {
  QuoteRequest r = base_render();
  r.steps = 30;
  r.width = 1024;
  r.height = 1024;
  r.count = 4;
  auto q = quote(TreasuryConfig{}, r);
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->per_job, 6'000'000);  // 1.5 x 4
  EXPECT_EQ(q->total, 24'000'000);
  EXPECT_EQ(q->jobs, 4);

  r = base_render();
  r.tier = Tier::relaxed;
  EXPECT_EQ(quote(TreasuryConfig{}, r)->per_job, 500'000);
}

TEST(Pricing, ExtrasAreDocumentedSurcharges) {
  QuoteRequest r = base_render();
  r.img2img = true;
  EXPECT_EQ(quote(TreasuryConfig{}, r)->per_job, 1'050'000);
  r.previews = true;
  EXPECT_EQ(quote(TreasuryConfig{}, r)->per_job, 1'150'000);
}

TEST(Pricing, RoundsUpToTheMicroCredit) {
  QuoteRequest r = base_render();
  r.base_render_millis = 1;  // 1/43200 credit = 23.148... micro-credits
  auto q = quote(TreasuryConfig{}, r);
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->per_job, 24);
  EXPECT_EQ(q->render_millis_per_job, 1);
  // One render-second is 0.00011574 USD: 43.2 of them make a credit of 0.005 USD.
  r.base_render_millis = 1'000;
  q = quote(TreasuryConfig{}, r);
  EXPECT_EQ(q->per_job, 23'149);        // ceil(1e6 / 43.2)
  EXPECT_EQ(q->usd_micros_total, 116);  // 0.00011574 USD, to the nearest micro-dollar
}

TEST(Pricing, RejectsOutOfRangeRequestsNamingTheField) {
  struct Case {
    QuoteRequest request;
    const char* mentions;
  };
  std::vector<Case> cases;
  QuoteRequest r = base_render();
  r.steps = 0;
  cases.push_back({r, "steps 0"});
  r = base_render();
  r.width = 500;
  cases.push_back({r, "width 500"});
  r = base_render();
  r.count = 513;
  cases.push_back({r, "count 513"});
  r = base_render();
  r.base_render_millis = 0;
  cases.push_back({r, "base render-seconds"});
  for (const Case& c : cases) {
    auto q = quote(TreasuryConfig{}, c.request);
    ASSERT_FALSE(q.has_value()) << c.mentions;
    EXPECT_NE(q.error().message.find(c.mentions), std::string::npos) << q.error().message;
  }
}

// A task script's passes are priced by their summed steps x pixels with the same render-second
// rule as one pass: hires_fix's 20 steps at 512^2 then 10 at 1024^2 cost 1 + 2 base renders.
TEST(Pricing, SeveralPassesCostTheSumOfTheirStepsTimesPixels) {
  QuoteRequest r = base_render();
  r.pixel_steps = std::int64_t{20} * 512 * 512 + std::int64_t{10} * 1024 * 1024;
  auto q = quote(TreasuryConfig{}, r);
  ASSERT_TRUE(q.has_value()) << q.error().message;
  EXPECT_EQ(q->per_job, 3'000'000);
  EXPECT_EQ(q->render_millis_per_job, 3 * 43'200);
}

TEST(Pricing, OnePassGivenAsPixelStepsCostsWhatItsFieldsDo) {
  QuoteRequest fields = base_render();
  fields.steps = 7;
  fields.width = 328;
  fields.height = 200;
  QuoteRequest summed = fields;
  summed.pixel_steps = std::int64_t{7} * 328 * 200;
  auto a = quote(TreasuryConfig{}, fields);
  auto b = quote(TreasuryConfig{}, summed);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->per_job, b->per_job);
  EXPECT_EQ(a->render_millis_per_job, b->render_millis_per_job);
}

TEST(Pricing, PixelStepsOutOfRangeAreRefusedWithTheFigure) {
  QuoteRequest r = base_render();
  r.pixel_steps = -1;
  auto q = quote(TreasuryConfig{}, r);
  ASSERT_FALSE(q.has_value());
  EXPECT_NE(q.error().message.find("pixel-steps -1"), std::string::npos) << q.error().message;
  r.pixel_steps = std::int64_t{1001} * 8192 * 8192;
  q = quote(TreasuryConfig{}, r);
  ASSERT_FALSE(q.has_value());
  EXPECT_NE(q.error().message.find("pixel-steps"), std::string::npos) << q.error().message;
}
