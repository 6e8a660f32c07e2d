#pragma once
// The limits a network puts on every request (the coordinator's config, coordinator.limits), as a
// message carries them: the coordinator refuses a request past them at submit, and publishes them
// in its status report so a gateway or client checks, and quotes, the same way.
#include <cstdint>

#include "runtime/base/protocol/error_code.hpp"
#include "runtime/base/protocol/request.hpp"

namespace seedgrid::protocol {

struct NetworkLimits {
  std::uint32_t max_count = 512;
  std::uint32_t max_width = 4'096;
  std::uint32_t max_height = 4'096;
  std::uint32_t max_steps = 150;
  double max_guidance = 30.0;
  std::uint32_t max_prompt_bytes = 2'000;
  bool operator==(const NetworkLimits&) const = default;
};

// The request's count, width and height (multiples of 8), steps, guidance and prompts against
// `limits`: ok, or the refusal the coordinator gives (invalid_count, invalid_size, ...), naming the
// field, the value and the limit. What the model renders (its size multiple) is checked apart.
Reply check_network_limits(const GenerateRequest& request, const NetworkLimits& limits);

}  // namespace seedgrid::protocol
