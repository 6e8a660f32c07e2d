#include "actors/treasury/units.hpp"

#include <limits>

namespace seedgrid::treasury {

namespace {
std::int64_t pow10(int n) {
  std::int64_t p = 1;
  while (n-- > 0) p *= 10;
  return p;
}
}  // namespace

std::string format_fixed(std::int64_t value, int decimals) {
  const std::int64_t scale = pow10(decimals);
  // Work on the magnitude as unsigned so INT64_MIN formats too.
  const bool negative = value < 0;
  const std::uint64_t magnitude = negative ? std::uint64_t(0) - static_cast<std::uint64_t>(value)
                                           : static_cast<std::uint64_t>(value);
  std::string whole = std::to_string(magnitude / static_cast<std::uint64_t>(scale));
  if (decimals == 0) return (negative ? "-" : "") + whole;
  std::string frac = std::to_string(magnitude % static_cast<std::uint64_t>(scale));
  frac.insert(0, static_cast<std::size_t>(decimals) - frac.size(), '0');
  return (negative ? "-" : "") + whole + "." + frac;
}

Result<std::int64_t> parse_fixed(std::string_view text, int decimals) {
  const std::string_view original = text;
  bool negative = false;
  if (!text.empty() && text.front() == '-') {
    negative = true;
    text.remove_prefix(1);
  }
  const auto dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view frac =
      dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  if (whole.empty() && frac.empty())
    return fail("'", original, "' is not an amount (expected digits like 12.5)");
  if (frac.size() > static_cast<std::size_t>(decimals))
    return fail("'", original, "' has more than ", decimals, " decimal places");
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  std::int64_t value = 0;
  auto push_digit = [&](char c) -> Result<void> {
    if (c < '0' || c > '9')
      return fail("'", original, "' is not an amount: '", c, "' is not a digit");
    if (value > (kMax - (c - '0')) / 10) return fail("'", original, "' is too large");
    value = value * 10 + (c - '0');
    return {};
  };
  for (char c : whole)
    if (auto r = push_digit(c); !r) return pass_on(r);
  for (int i = 0; i < decimals; ++i) {
    const char c =
        static_cast<std::size_t>(i) < frac.size() ? frac[static_cast<std::size_t>(i)] : '0';
    if (auto r = push_digit(c); !r) return pass_on(r);
  }
  return negative ? -value : value;
}

}  // namespace seedgrid::treasury
