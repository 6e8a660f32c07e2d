#include "actors/coordinator/request_id_filter.hpp"

namespace seedgrid::coordinator {

namespace {

constexpr std::size_t kFirstCapacity = 1 << 16;  // 80 KiB: a day of a busy coordinator's ids
constexpr std::size_t kBitsPerId = 10;            // with 7 probes: ~0.8 % false "maybe"
constexpr int kProbes = 7;

// Two 64-bit hashes of the id (FNV-1a, then a finaliser each), combined as h1 + i * h2 for the
// probes. Not a keyed hash: a client who crafts colliding ids only makes its own submits read.
struct Hashes {
  std::uint64_t h1, h2;
};

std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

Hashes hashes_of(std::string_view id) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : id) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return {mix(h), mix(h ^ 0x9e3779b97f4a7c15ULL) | 1};
}

}  // namespace

void RequestIdFilter::add(std::string_view request_id) {
  if (layers_.empty() || layers_.back().added >= layers_.back().capacity) {
    Layer next;
    next.capacity = layers_.empty() ? kFirstCapacity : layers_.back().capacity * 4;
    next.words.assign((next.capacity * kBitsPerId + 63) / 64, 0);
    layers_.push_back(std::move(next));
  }
  Layer& layer = layers_.back();
  const Hashes h = hashes_of(request_id);
  const std::uint64_t bits = layer.words.size() * 64;
  for (int i = 0; i < kProbes; ++i) {
    const std::uint64_t bit = (h.h1 + static_cast<std::uint64_t>(i) * h.h2) % bits;
    layer.words[bit / 64] |= std::uint64_t{1} << (bit % 64);
  }
  ++layer.added;
  ++added_;
}

bool RequestIdFilter::may_hold(std::string_view request_id) const {
  const Hashes h = hashes_of(request_id);
  for (const Layer& layer : layers_) {
    const std::uint64_t bits = layer.words.size() * 64;
    bool all = true;
    for (int i = 0; i < kProbes && all; ++i) {
      const std::uint64_t bit = (h.h1 + static_cast<std::uint64_t>(i) * h.h2) % bits;
      all = (layer.words[bit / 64] >> (bit % 64)) & 1;
    }
    if (all) return true;
  }
  return false;
}

}  // namespace seedgrid::coordinator
