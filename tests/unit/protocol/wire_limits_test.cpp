// What a peer's bytes cannot do to a node through CAF's binary encoding of our messages (both
// found by the protocol_message fuzz target): claim a byte field far larger than the message to
// make the receiver allocate it, or carry a float that CAF's encoder cannot encode (an infinity
// hung the sending thread, a subnormal arrived as another number).
#include <gtest/gtest.h>

#include <caf/all.hpp>

#include <algorithm>
#include <cstring>
#include <limits>

#include "runtime/base/protocol/inspect.hpp"

using namespace seedgrid;
using namespace seedgrid::protocol;

namespace {

template <class T>
caf::error save(T& value, std::vector<char>& out) {
  caf::binary_serializer sink{static_cast<caf::execution_unit*>(nullptr), out};
  return sink(value);
}

template <class T>
caf::error load(const std::vector<char>& in, T& value) {
  caf::binary_deserializer source{static_cast<caf::execution_unit*>(nullptr), in};
  return source(value);
}

TEST(WireLimits, AByteFieldLongerThanTheMessageIsRefusedBeforeAllocating) {
  ClientEvent event;
  event.pixels = {1, 2, 3};
  std::vector<char> bytes;
  ASSERT_FALSE(save(event, bytes));
  ClientEvent back;
  ASSERT_FALSE(load(bytes, back));
  EXPECT_EQ(back.pixels, event.pixels);

  // The pixels' length prefix (varbyte 3) rewritten to claim 2^32 - 1 bytes.
  const std::vector<char> three{3, 1, 2, 3};
  auto at = std::search(bytes.begin(), bytes.end(), three.begin(), three.end());
  ASSERT_NE(at, bytes.end());
  std::vector<char> forged(bytes.begin(), at);
  for (char c : {'\xff', '\xff', '\xff', '\xff', '\x0f'}) forged.push_back(c);
  forged.insert(forged.end(), at + 1, bytes.end());
  ClientEvent refused;
  const caf::error e = load(forged, refused);
  ASSERT_TRUE(e);
  EXPECT_NE(caf::to_string(e).find("claims 4294967295 bytes"), std::string::npos)
      << caf::to_string(e);
  EXPECT_TRUE(refused.pixels.empty());
}

TEST(WireLimits, NonFiniteFloatsAreRefusedNamingTheField) {
  for (float bad :
       {std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
        std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::denorm_min()}) {
    JobResult r;
    r.final_latent = {0.5f, bad};
    std::vector<char> bytes;
    const caf::error e = save(r, bytes);
    ASSERT_TRUE(e);
    EXPECT_NE(caf::to_string(e).find("JobResult.final_latent is not a number the wire carries"),
              std::string::npos)
        << caf::to_string(e);
    GenerateRequest g;
    g.guidance = bad;
    bytes.clear();
    ASSERT_TRUE(save(g, bytes));
  }
  // Zero, the smallest and the largest normal numbers travel unchanged.
  for (float good :
       {0.0f, -0.0f, std::numeric_limits<float>::min(), std::numeric_limits<float>::max()}) {
    JobSpec spec;
    spec.guidance = good;
    std::vector<char> bytes;
    ASSERT_FALSE(save(spec, bytes));
    JobSpec back;
    ASSERT_FALSE(load(bytes, back));
    EXPECT_EQ(back.guidance, spec.guidance);
  }
}

TEST(WireLimits, AnInfinityDecodedFromTheWireIsRefused) {
  NodeStatus status;
  status.reputation = 0.75;
  std::vector<char> bytes;
  ASSERT_FALSE(save(status, bytes));
  // CAF writes a normal double as its IEEE 754 bits in network order (big-endian); the exponent
  // of all ones decodes to +infinity.
  const double three_quarters = 0.75;
  std::uint64_t bits = 0;
  std::memcpy(&bits, &three_quarters, 8);
  std::vector<char> pattern(8);
  for (int i = 0; i < 8; ++i) pattern[i] = static_cast<char>(bits >> (56 - 8 * i));
  auto at = std::search(bytes.begin(), bytes.end(), pattern.begin(), pattern.end());
  ASSERT_NE(at, bytes.end());
  for (int i = 0; i < 8; ++i) at[i] = static_cast<char>(0x7ff0000000000000ull >> (56 - 8 * i));
  NodeStatus back;
  const caf::error e = load(bytes, back);
  ASSERT_TRUE(e);
  EXPECT_NE(caf::to_string(e).find("NodeStatus.reputation"), std::string::npos)
      << caf::to_string(e);
}

}  // namespace
