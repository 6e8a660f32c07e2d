#include "runtime/gateway/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace seedgrid::gateway {

std::uint32_t RateLimiter::take(const std::string& key, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto [it, fresh] = buckets_.try_emplace(key, Bucket{burst_, now});
  Bucket& b = it->second;
  if (!fresh) {
    const double elapsed = std::chrono::duration<double>(now - b.at).count();
    b.tokens = std::min(burst_, b.tokens + std::max(0.0, elapsed) * rate_);
    b.at = now;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return 0;
  }
  const double wait = (1.0 - b.tokens) / rate_;
  return static_cast<std::uint32_t>(std::max(1.0, std::ceil(wait)));
}

}  // namespace seedgrid::gateway
