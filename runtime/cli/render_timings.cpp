#include "runtime/cli/render_timings.hpp"

#include <sys/resource.h>

#include <cstdio>
#include <numeric>

namespace seedgrid::cli {

double BatchTimings::steps_total_s() const {
  return std::accumulate(steps_s.begin(), steps_s.end(), 0.0);
}

double RenderTimings::since_mark(Clock::time_point now) const {
  return std::chrono::duration<double>(now - mark_).count();
}

void RenderTimings::load_started() { mark_ = Clock::now(); }

void RenderTimings::load_finished() { load_s_ = since_mark(Clock::now()); }

void RenderTimings::batch_started(int first, int count) {
  batches_.push_back(BatchTimings{first, count, 0, {}, 0});
  mark_ = Clock::now();
}

void RenderTimings::sampling_started() {
  const auto now = Clock::now();
  batches_.back().before_steps_s = since_mark(now);
  mark_ = now;
}

void RenderTimings::step_finished() {
  const auto now = Clock::now();
  batches_.back().steps_s.push_back(since_mark(now));
  mark_ = now;
}

void RenderTimings::batch_finished() { batches_.back().decode_s = since_mark(Clock::now()); }

std::string describe(const BatchTimings& b) {
  char text[200];
  const auto steps = b.steps_s.size();
  std::snprintf(text, sizeof text,
                "before step 1 %.2f s, %zu step%s %.2f s (%.3f s/step), decode %.2f s",
                b.before_steps_s, steps, steps == 1 ? "" : "s", b.steps_total_s(),
                steps == 0 ? 0.0 : b.steps_total_s() / static_cast<double>(steps), b.decode_s);
  return text;
}

long long peak_rss_bytes() {
  rusage usage{};
  if (::getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  return static_cast<long long>(usage.ru_maxrss) * 1024;  // Linux reports KiB
}

}  // namespace seedgrid::cli
