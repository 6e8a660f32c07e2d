#include "runtime/cli/node_id_option.hpp"

#include <algorithm>
#include <cctype>

namespace seedgrid::cli {

std::string node_id_problem(const std::string& text) {
  const bool hex = std::all_of(text.begin(), text.end(),
                               [](unsigned char c) { return std::isxdigit(c) != 0; });
  if (text.size() == 64 && hex) return {};
  return "'" + text + "' is not a node id: 64 hex digits, as `seedgrid keygen --show --out " +
         "KEY_FILE` prints (found " + std::to_string(text.size()) + " character(s)" +
         (hex ? "" : ", not all hex digits") + ")";
}

}  // namespace seedgrid::cli
