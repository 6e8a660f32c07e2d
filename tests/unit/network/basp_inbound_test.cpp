// What the accepting side of a TLS link reads of its peer's BASP stream: the CAF node id of the
// client handshake, whatever the read sizes; a first message that is not that handshake, one that
// announces more than the pre-authentication budget, and a routed message are refused.
#include "runtime/base/link/basp_inbound.hpp"

#include <gtest/gtest.h>

#include <caf/binary_serializer.hpp>
#include <caf/node_id.hpp>

#include <vector>

namespace seedgrid::link {
namespace {

std::vector<unsigned char> message(unsigned char operation, const std::vector<char>& payload) {
  std::vector<unsigned char> out(32, 0);
  out[0] = operation;
  const auto n = static_cast<std::uint32_t>(payload.size());
  for (int b = 0; b < 4; ++b) out[4 + b] = static_cast<unsigned char>(n >> (8 * (3 - b)));
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

std::vector<char> node_payload(caf::node_id node) {
  std::vector<char> buf;
  caf::binary_serializer sink(nullptr, buf);
  EXPECT_FALSE(sink(node));
  return buf;
}

caf::node_id some_node() {
  caf::node_id::default_data::host_id_type host{};
  host[0] = 0x5e;
  host[19] = 0xed;
  return caf::make_node_id(4242, host);
}

TEST(BaspInbound, TheClientHandshakeAnnouncesTheNodeWhateverTheReadSizes) {
  auto stream = message(0x01, node_payload(some_node()));
  const auto direct = message(0x02, std::vector<char>(100, 'x'));
  stream.insert(stream.end(), direct.begin(), direct.end());
  for (std::size_t chunk : {std::size_t{1}, std::size_t{7}, stream.size()}) {
    BaspInbound inbound(64 * 1024);
    for (std::size_t at = 0; at < stream.size(); at += chunk)
      ASSERT_TRUE(inbound.take(stream.data() + at, std::min(chunk, stream.size() - at)));
    EXPECT_EQ(inbound.announced_node(), caf::to_string(some_node())) << "reads of " << chunk;
  }
}

TEST(BaspInbound, AFirstMessageThatIsNotTheHandshakeOrTooLongIsRefused) {
  BaspInbound direct_first(64 * 1024);
  const auto direct = message(0x02, std::vector<char>(8, 'x'));
  auto refused = direct_first.take(direct.data(), direct.size());
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("not a BASP client handshake"), std::string::npos);

  BaspInbound too_long(64 * 1024);
  auto header = message(0x01, {});
  header[4] = 0x10;  // 256 MiB announced, nothing sent
  refused = too_long.take(header.data(), header.size());
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("announces 268435456 bytes"), std::string::npos);
}

TEST(BaspInbound, ARoutedMessageWhichNamesItsOwnSenderIsRefused) {
  BaspInbound inbound(64 * 1024);
  const auto handshake = message(0x01, node_payload(some_node()));
  ASSERT_TRUE(inbound.take(handshake.data(), handshake.size()));
  const auto routed = message(0x03, node_payload(some_node()));
  auto refused = inbound.take(routed.data(), routed.size());
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("routed"), std::string::npos);
}

}  // namespace
}  // namespace seedgrid::link
