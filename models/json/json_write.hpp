#pragma once
// Writes a Value as JSON text. Members keep their order; strings are written as UTF-8 with only
// the escapes JSON requires; reals use the shortest form that reads back to the same double and
// always carry a '.' or an exponent, so they read back as reals. (A Value never holds a NaN or an
// infinity: the parser rejects them and nothing seedgrid writes produces them; were one there, it
// would be written as null.)
#include <string>

#include "models/json/json_value.hpp"

namespace seedgrid::json {

// indent < 0: compact, one line, no spaces. indent >= 0: one member or item per line, nested
// levels indented by `indent` spaces, ": " after keys (Python's json.dumps(indent=n) layout).
std::string write(const Value& value, int indent = -1);

}  // namespace seedgrid::json
