#pragma once
// Requests per API key: a token bucket per key (`rate` tokens a second, at most `burst` saved).
// A request finding the bucket empty is refused with the seconds until a token is back, which the
// gateway sends as 429 with Retry-After. The clock is passed in, so tests drive it.
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace seedgrid::gateway {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  RateLimiter(double rate_per_second, double burst) : rate_(rate_per_second), burst_(burst) {}

  // 0 when the request may go on; otherwise whole seconds to wait (at least 1).
  std::uint32_t take(const std::string& key, Clock::time_point now = Clock::now());

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point at{};
  };
  double rate_;
  double burst_;
  std::mutex mutex_;
  std::map<std::string, Bucket> buckets_;
};

}  // namespace seedgrid::gateway
