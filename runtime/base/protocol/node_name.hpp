#pragma once
// A node's configured name ($.node.name), carried in its signed registration so that the
// coordinator's status and logs say which machine a 64-hex id is. A name is shown, never trusted:
// it identifies nothing (two nodes may pick the same one) and the ledger knows nodes by key only.
#include <cstddef>
#include <string_view>

#include "models/result.hpp"

namespace seedgrid::protocol {

inline constexpr std::size_t kMaxNodeNameBytes = 64;

// 1..64 characters of [A-Za-z0-9._@+/-]: printable in a log line or a table column, no spaces or
// control characters. The error quotes the name and says what is wrong with it.
Result<void> check_node_name(std::string_view name);

}  // namespace seedgrid::protocol
