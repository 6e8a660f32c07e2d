#pragma once
// What /metrics serves, in Prometheus' text format: HTTP requests and latency histograms by route
// (the route's pattern, not the raw path, so ids do not explode the label set), and the network as
// the gateway sees it (requests and jobs by state, queue depth, per-worker speed and reputation,
// audits by outcome, the ledger head).
#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "runtime/gateway/network_view.hpp"
#include "runtime/gateway/request_book.hpp"

namespace seedgrid::gateway {

class Metrics {
 public:
  void observe(const std::string& route, int status, double seconds);
  std::string render(const BookCounters& book, const NetworkSnapshot& network,
                     std::uint64_t ledger_head, std::uint32_t open_connections,
                     std::size_t task_scripts) const;

 private:
  static constexpr std::array<double, 10> kBuckets{0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                   0.025,  0.05,  0.1,    0.5,   1.0};
  struct Histogram {
    std::array<std::uint64_t, kBuckets.size()> counts{};
    std::uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, std::uint64_t> requests_;
  std::map<std::string, Histogram> latency_;
};

}  // namespace seedgrid::gateway
