#pragma once
// --coordinator-key pins a node by its node id: 64 hex digits (`seedgrid keygen --show`). A value
// of another form can never match a certificate, so it is refused as the command line is read, not
// reported later as a coordinator "holding another key".
#include <string>

namespace seedgrid::cli {

// Empty when `text` is 64 hex digits; otherwise what is wrong, quoting it (a CLI11 check).
std::string node_id_problem(const std::string& text);

}  // namespace seedgrid::cli
