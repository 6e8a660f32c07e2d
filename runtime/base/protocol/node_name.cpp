#include "runtime/base/protocol/node_name.hpp"

#include <cstdio>
#include <string>

namespace seedgrid::protocol {

namespace {

bool allowed(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '@' || c == '+' || c == '/' || c == '-';
}

// The name as it can be quoted in a message: control and non-ASCII bytes escaped, cut at 80.
std::string quoted(std::string_view name) {
  std::string out = "'";
  for (std::size_t i = 0; i < name.size() && i < 80; ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  if (name.size() > 80) out += "...";
  return out + "'";
}

}  // namespace

Result<void> check_node_name(std::string_view name) {
  if (name.empty()) return fail("node name is empty: give 1 to ", kMaxNodeNameBytes, " characters");
  if (name.size() > kMaxNodeNameBytes)
    return fail("node name ", quoted(name), " is ", name.size(), " characters long; at most ",
                kMaxNodeNameBytes);
  for (std::size_t i = 0; i < name.size(); ++i)
    if (!allowed(name[i]))
      return fail("node name ", quoted(name), " has ", quoted(name.substr(i, 1)), " at position ",
                  i, "; use letters, digits and . _ @ + / - only");
  return {};
}

}  // namespace seedgrid::protocol
