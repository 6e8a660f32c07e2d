#include "actors/coordinator/deadline.hpp"

#include <algorithm>
#include <cmath>

namespace seedgrid::coordinator {

double expected_ms(std::uint64_t work, std::uint64_t pixel_steps_per_second) {
  const double speed = pixel_steps_per_second == 0 ? 1000.0 : double(pixel_steps_per_second);
  return 1000.0 * double(work) / speed;
}

std::int64_t job_deadline_ms(const config::DeadlinePolicy& policy, std::uint64_t job_work,
                             std::uint64_t work_ahead, std::uint32_t batch,
                             std::uint64_t pixel_steps_per_second) {
  const std::uint64_t own = job_work * std::max<std::uint32_t>(batch, 1);
  const double expected = expected_ms(work_ahead + own, pixel_steps_per_second);
  const double total = double(policy.base_ms) + policy.slack * expected;
  const double clamped = std::clamp(total, double(policy.min_ms), double(policy.max_ms));
  return static_cast<std::int64_t>(std::ceil(clamped));
}

}  // namespace seedgrid::coordinator
