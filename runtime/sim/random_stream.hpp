#pragma once
// One seeded pseudo-random stream per source of chance (a worker, a validator, a user, a link):
// splitmix64 seeded from the run's seed and the source's name, so adding a source or drawing more
// from one never shifts what another draws, and a run is a function of its seed. Plain arithmetic
// (no std:: distributions, whose output differs between standard libraries).
#include <cstdint>
#include <string_view>

namespace seedgrid::sim {

class RandomStream {
 public:
  RandomStream(std::uint64_t seed, std::string_view source);

  std::uint64_t next();
  double uniform();  // [0, 1)
  bool chance(double p) { return uniform() < p; }
  std::uint64_t below(std::uint64_t n);  // [0, n); 0 when n is 0
  double normal();                       // mean 0, deviation 1
  // exp(sigma * N - sigma^2 / 2): a positive factor with mean 1 (sigma 0: exactly 1).
  double lognormal_factor(double sigma);
  double exponential(double mean);

 private:
  std::uint64_t state_;
};

}  // namespace seedgrid::sim
