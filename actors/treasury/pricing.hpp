#pragma once
// Job pricing in render-seconds. A job costs
//   base x (steps / 20) x (width*height / 512^2) x tier x (1 + img2img extra + previews extra)
// render-seconds (for a job of several sampler passes, a task script's, steps x width*height is
// their sum), where base is the model manifest's render-seconds for one base render (measured
// on the reference hardware), and one credit buys config.render_millis_per_credit / 1000
// render-seconds. The price of one job is that cost in micro-credits rounded UP (the payer never
// pays less than the formula; the excess is below one micro-credit). A request of N images holds N
// times the job price, so every job of a request has the same price.
#include <cstdint>

#include "actors/treasury/treasury_config.hpp"
#include "models/result.hpp"

namespace seedgrid::treasury {

enum class Tier : std::uint8_t { fast, relaxed };

struct QuoteRequest {
  std::int64_t base_render_millis = 0;  // model manifest: milli-render-seconds of one base render
  int steps = 0;                        // 1..1000
  int width = 0, height = 0;            // 8..8192, multiples of 8
  Tier tier = Tier::fast;
  int count = 1;  // images in the request, 1..512
  bool img2img = false;
  bool previews = false;
  // A job of several sampler passes (a task script's): the sum of steps x width x height over
  // its passes, which replaces steps x width x height in the formula (0: one pass, the fields
  // above). Rounded once, from the exact sum, as one pass is.
  std::int64_t pixel_steps = 0;
  bool operator==(const QuoteRequest&) const = default;
};

struct Quote {
  std::int64_t render_millis_per_job = 0;  // rounded up
  Micros per_job = 0;                      // micro-credits, rounded up
  int jobs = 0;
  Micros total = 0;                   // per_job x jobs
  std::int64_t usd_micros_total = 0;  // for people; rounded to the nearest micro-dollar
};

// Errors name the offending field and value.
Result<Quote> quote(const TreasuryConfig& config, const QuoteRequest& request);

}  // namespace seedgrid::treasury
