#include "runtime/base/link/basp_inbound.hpp"

#include <caf/binary_deserializer.hpp>
#include <caf/node_id.hpp>

#include <algorithm>

namespace seedgrid::link {

namespace {

// CAF 0.17's message types (caf/io/basp/message_type.hpp).
constexpr unsigned char kClientHandshake = 0x01;
constexpr unsigned char kRoutedMessage = 0x03;

}  // namespace

Result<void> BaspInbound::take(const unsigned char* data, std::size_t n) {
  while (n > 0) {
    if (!in_payload_) {
      const std::size_t step = std::min(n, header_.size() - header_bytes_);
      std::copy_n(data, step, header_.data() + header_bytes_);
      header_bytes_ += step;
      data += step;
      n -= step;
      if (header_bytes_ < header_.size()) return {};
      header_bytes_ = 0;
      if (auto ok = header_complete(); !ok) return ok;
      if (payload_left_ == 0) {
        if (auto ok = payload_complete(); !ok) return ok;
      }
      continue;
    }
    const std::size_t step = static_cast<std::size_t>(std::min<std::uint64_t>(n, payload_left_));
    if (messages_ == 1) handshake_.insert(handshake_.end(), data, data + step);
    payload_left_ -= step;
    data += step;
    n -= step;
    if (payload_left_ == 0) {
      if (auto ok = payload_complete(); !ok) return ok;
    }
  }
  return {};
}

Result<void> BaspInbound::header_complete() {
  ++messages_;
  const std::uint32_t length = (std::uint32_t{header_[4]} << 24) |
                               (std::uint32_t{header_[5]} << 16) |
                               (std::uint32_t{header_[6]} << 8) | std::uint32_t{header_[7]};
  if (messages_ == 1) {
    if (length > first_limit_)
      return fail("its first message announces ", length, " bytes, more than the ", first_limit_,
                  " a peer may send before its handshake");
    if (header_[0] != kClientHandshake)
      return fail("its first message is not a BASP client handshake (operation ",
                  static_cast<unsigned>(header_[0]), ")");
  }
  if (header_[0] == kRoutedMessage)
    return fail(
        "it sent a routed BASP message, which names its sender itself; links here are "
        "direct");
  payload_left_ = length;
  in_payload_ = length > 0;
  return {};
}

Result<void> BaspInbound::payload_complete() {
  in_payload_ = false;
  if (messages_ != 1) return {};
  caf::node_id announced;
  caf::binary_deserializer source(nullptr, handshake_.data(), handshake_.size());
  if (auto err = source(announced); err || !announced)
    return fail("its BASP client handshake does not hold a node id");
  node_ = caf::to_string(announced);
  handshake_.clear();
  handshake_.shrink_to_fit();
  return {};
}

}  // namespace seedgrid::link
