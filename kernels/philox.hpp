#pragma once
// Philox4x32-10 (Salmon, Moraes, Dror, Shaw: "Parallel random numbers: as easy as 1, 2, 3", SC'11;
// the Random123 library) and seedgrid's gaussian noise built on it. Header-only so host C++ and
// CUDA device code share one definition.
//
// THE NOISE CONTRACT. Every backend and the Python reference (bench/reference/) must produce the
// same bits for element i of a noise tensor drawn with (seed, stream, counter_base):
//
//   key     = { uint32(seed), uint32(seed >> 32) }
//   e       = counter_base + i                       (uint64, wraps modulo 2^64)
//   block   = e / 4,  lane = e % 4
//   counter = { uint32(block), uint32(block >> 32), stream, 0 }
//   (x0, x1, x2, x3) = philox4x32_10(counter, key)
//   u(x)    = ((x >> 8) + 0.5) * 2^-24               in double: exact, strictly inside (0, 1)
//   lanes 0 and 1 use (ua, ub) = (u(x0), u(x1)); lanes 2 and 3 use (ua, ub) = (u(x2), u(x3))
//   r       = sqrt(-2 * log(ua)),  theta = 2 * pi * ub   (double; std::log, std::sqrt; pi is the
//                                                         double nearest to π)
//   even lane: (float)(r * cos(theta))    odd lane: (float)(r * sin(theta))
//
// So element i is a pure function of (seed, stream, counter_base + i): a tensor drawn in pieces
// with advancing counter_base equals the tensor drawn at once, whatever the thread count.
#include <cmath>
#include <cstdint>

#if defined(__CUDACC__)
#define SEEDGRID_HOST_DEVICE __host__ __device__
#else
#define SEEDGRID_HOST_DEVICE
#endif

namespace seedgrid::kernels {

struct Philox4x32 {
  std::uint32_t v[4];
};

// One Philox4x32 evaluation with 10 rounds (the Random123 default), as in philox4x32_R(10, ...).
SEEDGRID_HOST_DEVICE inline Philox4x32 philox4x32_10(Philox4x32 counter, std::uint32_t key0,
                                                     std::uint32_t key1) {
  constexpr std::uint32_t kMul0 = 0xD2511F53u, kMul1 = 0xCD9E8D57u;
  constexpr std::uint32_t kWeyl0 = 0x9E3779B9u, kWeyl1 = 0xBB67AE85u;
  std::uint32_t c0 = counter.v[0], c1 = counter.v[1], c2 = counter.v[2], c3 = counter.v[3];
  for (int round = 0; round < 10; ++round) {
    const std::uint64_t p0 = static_cast<std::uint64_t>(kMul0) * c0;
    const std::uint64_t p1 = static_cast<std::uint64_t>(kMul1) * c2;
    const auto hi0 = static_cast<std::uint32_t>(p0 >> 32), lo0 = static_cast<std::uint32_t>(p0);
    const auto hi1 = static_cast<std::uint32_t>(p1 >> 32), lo1 = static_cast<std::uint32_t>(p1);
    c0 = hi1 ^ c1 ^ key0;
    c1 = lo1;
    c2 = hi0 ^ c3 ^ key1;
    c3 = lo0;
    key0 += kWeyl0;
    key1 += kWeyl1;
  }
  return Philox4x32{{c0, c1, c2, c3}};
}

// u(x) of the contract: the top 24 bits of x, centred in their interval.
SEEDGRID_HOST_DEVICE inline double philox_uniform_open(std::uint32_t x) {
  return (static_cast<double>(x >> 8) + 0.5) * (1.0 / 16777216.0);
}

// The four normal values of one counter block (lanes 0..3 of the contract).
SEEDGRID_HOST_DEVICE inline void philox_normal_block(std::uint64_t seed, std::uint32_t stream,
                                                     std::uint64_t block, float out[4]) {
  constexpr double kPi = 3.141592653589793;
  const Philox4x32 x =
      philox4x32_10(Philox4x32{{static_cast<std::uint32_t>(block),
                                static_cast<std::uint32_t>(block >> 32), stream, 0u}},
                    static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32));
  for (int pair = 0; pair < 2; ++pair) {
    const double ua = philox_uniform_open(x.v[2 * pair]);
    const double ub = philox_uniform_open(x.v[2 * pair + 1]);
    const double r = std::sqrt(-2.0 * std::log(ua));
    const double theta = 2.0 * kPi * ub;
    out[2 * pair] = static_cast<float>(r * std::cos(theta));
    out[2 * pair + 1] = static_cast<float>(r * std::sin(theta));
  }
}

// Element `e` (= counter_base + i) of the noise stream.
SEEDGRID_HOST_DEVICE inline float philox_normal_at(std::uint64_t seed, std::uint32_t stream,
                                                   std::uint64_t e) {
  float block[4];
  philox_normal_block(seed, stream, e / 4, block);
  return block[e % 4];
}

}  // namespace seedgrid::kernels
