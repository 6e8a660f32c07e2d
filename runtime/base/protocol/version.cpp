#include "runtime/base/protocol/version.hpp"

namespace seedgrid::protocol {

std::string release() { return std::string("seedgrid ") + SEEDGRID_VERSION; }

Reply check_protocol(std::string_view peer, std::uint32_t theirs, std::string_view us) {
  if (theirs == kProtocol) return {};
  return refuse(ErrorCode::protocol_mismatch,
                std::string(peer) + " speaks seedgrid protocol " + std::to_string(theirs) + ", " +
                    std::string(us) + " protocol " + std::to_string(kProtocol) + " (" + release() +
                    "): every node of a network must run a release of the same protocol; "
                    "`seedgrid --version` on each says which release it runs");
}

}  // namespace seedgrid::protocol
