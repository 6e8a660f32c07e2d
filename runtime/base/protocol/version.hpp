#pragma once
// Which release a node runs, and which wire protocol it speaks. Every node of a network must speak
// one protocol: messages are CAF's binary encoding of the structs in protocol/, which carries no
// field names or tags, so a struct that gained a field reads as garbage (or not at all) on a node
// built without it. Bump kProtocol whenever a wire struct's fields or an atom's meaning change.
//
// Nodes compare protocols when they register: the coordinator's challenge says its protocol, and
// a registration says the node's. Nodes built before the protocol number existed cannot read the
// challenge at all; their registration times out rather than being refused by name.
#include <cstdint>
#include <string>
#include <string_view>

#include "runtime/base/protocol/error_code.hpp"

namespace seedgrid::protocol {

inline constexpr std::uint32_t kProtocol = 2;
// "seedgrid 0.1.0": the project's version (CMakeLists.txt), as `seedgrid --version` says it.
std::string release();

// ok when `theirs` is this build's protocol; else protocol_mismatch, naming both sides (`peer`:
// "the coordinator", "worker 3fa9..."; `us`: "this node", "this client") and what to do.
Reply check_protocol(std::string_view peer, std::uint32_t theirs,
                     std::string_view us = "this node");

}  // namespace seedgrid::protocol
