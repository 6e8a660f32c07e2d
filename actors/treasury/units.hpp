#pragma once
// Fixed-point amounts as people read and type them: micros as "12.345678" (6 decimals), milli
// render-seconds as "43.2" (3 decimals). Exact both ways; no floating point.
#include <cstdint>
#include <string>
#include <string_view>

#include "models/result.hpp"

namespace seedgrid::treasury {

// format_fixed(-1500000, 6) == "-1.500000"
std::string format_fixed(std::int64_t value, int decimals);
// parse_fixed("1.5", 6) == 1500000; more than `decimals` fractional digits, signs other than a
// leading '-', or anything but digits is an error quoting the text.
Result<std::int64_t> parse_fixed(std::string_view text, int decimals);

inline std::string format_micros(std::int64_t micros) { return format_fixed(micros, 6); }
inline Result<std::int64_t> parse_micros(std::string_view text) { return parse_fixed(text, 6); }

}  // namespace seedgrid::treasury
