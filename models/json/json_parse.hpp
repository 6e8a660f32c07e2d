#pragma once
// A strict RFC 8259 parser: no comments, no trailing commas, no NaN, no leading zeros, no
// duplicate keys, UTF-8 validated, nesting at most 256 deep. Errors say where, as
// "<source>:<line>:<column>: <what>" (1-based; the column counts bytes), so a person can find the
// offending spot in a config or a safetensors header.
#include <string>
#include <string_view>

#include "models/json/json_value.hpp"
#include "models/result.hpp"

namespace seedgrid::json {

// `source` names the text in error messages (a path, or "safetensors header of <path>").
Result<Value> parse(std::string_view text, std::string_view source);

// Reads and parses a whole file; a missing or unreadable file is an error naming the path.
Result<Value> parse_file(const std::string& path);

}  // namespace seedgrid::json
