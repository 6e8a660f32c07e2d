#pragma once
// How long a job may take before it is re-run elsewhere. The expected render time comes from the
// worker's own measured speed (pixel-steps per second); the deadline is
//   clamp(base + slack x expected(work ahead of it on that worker + its own work x batch), min,
//   max)
// so a slow worker is not punished for being slow, only for being slower than it claimed.
#include <cstdint>

#include "config/node_config.hpp"

namespace seedgrid::coordinator {

// Milliseconds `work` pixel-steps take at `pixel_steps_per_second` (a worker that reported no
// speed is treated as doing 1 pixel-step per millisecond: conservative for the tiny test model).
double expected_ms(std::uint64_t work, std::uint64_t pixel_steps_per_second);

std::int64_t job_deadline_ms(const config::DeadlinePolicy& policy, std::uint64_t job_work,
                             std::uint64_t work_ahead, std::uint32_t batch,
                             std::uint64_t pixel_steps_per_second);

}  // namespace seedgrid::coordinator
