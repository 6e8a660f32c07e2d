#include "actors/treasury/pricing.hpp"

namespace seedgrid::treasury {

namespace {
using u128 = unsigned __int128;
constexpr std::int64_t kBaseSteps = 20;
constexpr std::int64_t kBasePixels = 512 * 512;

u128 ceil_div(u128 numerator, u128 denominator) {
  return (numerator + denominator - 1) / denominator;
}
// A job price stays far below int64 so that the total of a 512-image request fits too.
constexpr u128 kMaxJobPrice = u128{1} << 50;
}  // namespace

Result<Quote> quote(const TreasuryConfig& config, const QuoteRequest& r) {
  // Bounds keep the exact 128-bit products below (2^127) with room to spare.
  if (r.base_render_millis <= 0 || r.base_render_millis > 100'000'000)
    return fail("quote: base render-seconds ", r.base_render_millis / 1000.0,
                " must be above 0 and at most 100000 (model manifest value)");
  if (r.steps < 1 || r.steps > 1000) return fail("quote: steps ", r.steps, " must be 1..1000");
  for (auto [name, v] : {std::pair{"width", r.width}, std::pair{"height", r.height}})
    if (v < 8 || v > 8192 || v % 8 != 0)
      return fail("quote: ", name, " ", v, " must be a multiple of 8 in 8..8192");
  if (r.count < 1 || r.count > 512) return fail("quote: count ", r.count, " must be 1..512");
  // At most 1000 steps of 8192 x 8192 pixels, in as many passes as a script declares.
  constexpr std::int64_t kMaxPixelSteps = std::int64_t{1000} * 8192 * 8192;
  if (r.pixel_steps < 0 || r.pixel_steps > kMaxPixelSteps)
    return fail("quote: pixel-steps ", r.pixel_steps, " must be 0..", kMaxPixelSteps);

  const std::int64_t tier_ppm =
      r.tier == Tier::fast ? config.fast_tier_ppm : config.relaxed_tier_ppm;
  const std::int64_t extra_ppm = kPpm + (r.img2img ? config.img2img_extra_ppm : 0) +
                                 (r.previews ? config.previews_extra_ppm : 0);
  // cost [milli-render-seconds] = base * steps/20 * pixels/512^2 * tier/1e6 * extras/1e6
  const u128 pixel_steps = r.pixel_steps > 0 ? u128(r.pixel_steps)
                                             : u128(r.steps) * u128(r.width) * u128(r.height);
  const u128 work = u128(r.base_render_millis) * pixel_steps * u128(tier_ppm) * u128(extra_ppm);
  const u128 per_render_milli = u128(kBaseSteps) * kBasePixels * kPpm * kPpm;
  // micro-credits = cost / render_millis_per_credit * 1e6; rounded once, from the exact product.
  const u128 per_job =
      ceil_div(work, per_render_milli / kPpm * u128(config.render_millis_per_credit));
  if (per_job > kMaxJobPrice)
    return fail("quote: one job would cost more than ", static_cast<std::int64_t>(kMaxJobPrice),
                " micro-credits; lower steps, size or the model's base render-seconds");
  Quote q;
  q.render_millis_per_job = static_cast<std::int64_t>(ceil_div(work, per_render_milli));
  q.per_job = static_cast<std::int64_t>(per_job);
  q.jobs = r.count;
  q.total = q.per_job * r.count;
  q.usd_micros_total = static_cast<std::int64_t>(
      (u128(q.total) * u128(config.usd_micros_per_credit) + kPpm / 2) / kPpm);
  return q;
}

}  // namespace seedgrid::treasury
