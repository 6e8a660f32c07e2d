// The simulator's own speed: W simulated workers render J jobs (requests of 500 images, all
// submitted at once, audits at the default rates) around the real coordinator core and ledger;
// prints host seconds, jobs and events per host second, and workers x jobs per host second.
//   bench_sim [WORKERS] [JOBS] [SEED]      (default 1000 100000 1)
// Record results in bench/RESULTS.md ("Simulator speed").
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "runtime/sim/network.hpp"

using namespace seedgrid;

int main(int argc, char** argv) {
  const std::uint64_t workers = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1'000;
  const std::uint64_t jobs = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 100'000;
  const std::uint64_t seed = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 1;
  sim::Scenario s;
  s.name = "bench";
  sim::WorkerGroup g;
  g.name = "gpu";
  g.count = static_cast<std::uint32_t>(workers);
  g.seconds_per_image = 4.0;
  g.jitter = 0.1;
  s.workers.push_back(g);
  s.validators.push_back({std::max<std::uint32_t>(1, g.count / 10), "gpu", 0.2});
  s.users = 10;
  sim::Batch b;
  b.images = jobs;
  b.request_size = 500;
  b.at_ms = 1'000;
  s.batches.push_back(b);
  s.check_every_events = 1'000'000;
  s.coordinator.routing.max_workers_per_request = g.count;
  const std::string dir = sim::fresh_work_dir(seed);
  const auto t0 = std::chrono::steady_clock::now();
  int status = 0;
  {
    auto network = sim::SimulatedNetwork::create(s, seed, dir);
    if (!network) {
      std::fprintf(stderr, "%s\n", network.error().message.c_str());
      return 1;
    }
    const auto t1 = std::chrono::steady_clock::now();
    auto summary = (*network)->run();
    const auto t2 = std::chrono::steady_clock::now();
    if (!summary) {
      std::fprintf(stderr, "%s\n", summary.error().message.c_str());
      status = 1;
    } else {
      const double setup = std::chrono::duration<double>(t1 - t0).count();
      const double host = std::chrono::duration<double>(t2 - t1).count();
      std::fputs(sim::format_summary(*summary).c_str(), stdout);
      std::printf(
          "bench_sim %llu workers, %llu jobs: set-up %.2f s, run %.2f s host; %.0f jobs/s, %.0f "
          "events/s, %.3g workers x jobs/s\n",
          (unsigned long long)workers, (unsigned long long)jobs, setup, host,
          double(summary->jobs) / host, double(summary->events) / host,
          double(workers) * double(summary->jobs) / host);
    }
  }
  std::filesystem::remove_all(dir);
  return status;
}
