#pragma once
// What the accepting side of a TLS link reads of CAF 0.17's BASP stream from its peer, to tie the
// CAF node id that the peer announces to the key its certificate proved (tls_transport.hpp,
// linked_node_id). A BASP message is a 32-byte header (its operation at byte 0, its payload's
// length big-endian at bytes 4..7) and then the payload; a connecting peer's first message is its
// client handshake, whose payload is its CAF node id.
//
// Two rules make a message's CAF sender the node of the link it came over: the first message must
// be that handshake (its length within the pre-authentication budget, since the middleman
// allocates it before reading), and a peer may not send a routed message, whose payload names a
// sender of its own choosing (every seedgrid link is direct).
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "models/result.hpp"

namespace seedgrid::link {

class BaspInbound {
 public:
  explicit BaspInbound(std::size_t first_message_limit) : first_limit_(first_message_limit) {}

  // Takes the next bytes read from the peer; an error says why the connection must close.
  Result<void> take(const unsigned char* data, std::size_t n);
  // The CAF node id (caf::to_string) the peer's client handshake announced; empty before it.
  const std::string& announced_node() const { return node_; }

 private:
  Result<void> header_complete();
  Result<void> payload_complete();

  std::size_t first_limit_;
  std::array<unsigned char, 32> header_{};
  std::size_t header_bytes_ = 0;
  std::uint64_t payload_left_ = 0;
  bool in_payload_ = false;
  std::uint64_t messages_ = 0;   // complete headers read
  std::vector<char> handshake_;  // the first message's payload
  std::string node_;
};

}  // namespace seedgrid::link
