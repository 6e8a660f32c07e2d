#include "runtime/sim/random_stream.hpp"

#include <cmath>

namespace seedgrid::sim {

namespace {

std::uint64_t mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// FNV-1a: the source's name as a number (stable across platforms, unlike std::hash).
std::uint64_t name_hash(std::string_view name) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : name) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

}  // namespace

RandomStream::RandomStream(std::uint64_t seed, std::string_view source)
    : state_(mix(seed ^ mix(name_hash(source)))) {}

std::uint64_t RandomStream::next() {
  state_ += 0x9e3779b97f4a7c15ULL;
  return mix(state_);
}

double RandomStream::uniform() { return double(next() >> 11) * 0x1.0p-53; }

std::uint64_t RandomStream::below(std::uint64_t n) { return n == 0 ? 0 : next() % n; }

double RandomStream::normal() {
  // Box-Muller; 1 - uniform() is never 0.
  const double u = 1.0 - uniform();
  const double v = uniform();
  return std::sqrt(-2.0 * std::log(u)) * std::cos(2.0 * 3.14159265358979323846 * v);
}

double RandomStream::lognormal_factor(double sigma) {
  if (sigma <= 0.0) return 1.0;
  return std::exp(sigma * normal() - sigma * sigma / 2.0);
}

double RandomStream::exponential(double mean) { return -mean * std::log(1.0 - uniform()); }

}  // namespace seedgrid::sim
