#include "runtime/base/protocol/wire_number.hpp"

#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

namespace seedgrid::protocol {
namespace {

// The value as the user wrote it would read: "inf", "-inf", "nan", "1e-42".
std::string spelled(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.9g", value);
  return buf;
}

template <class T>
Result<void> check(std::string_view field, T value, std::string_view as_given) {
  if (wire_number_ok(value)) return {};
  const char* smallest = sizeof(T) == sizeof(float) ? "1.2e-38" : "2.2e-308";
  return fail(field, " must be a finite number (0, or at least ", smallest,
              " in magnitude), found ",
              as_given.empty() ? spelled(static_cast<double>(value)) : std::string(as_given));
}

}  // namespace

bool wire_number_ok(float value) { return value == 0.0f || std::isnormal(value); }
bool wire_number_ok(double value) { return value == 0.0 || std::isnormal(value); }

Result<void> check_wire_number(std::string_view field, float value, std::string_view as_given) {
  return check(field, value, as_given);
}
Result<void> check_wire_number(std::string_view field, double value, std::string_view as_given) {
  return check(field, value, as_given);
}

Result<void> check_wire_numbers(const GenerateRequest& request) {
  return check_wire_number("guidance", request.guidance, {});
}

}  // namespace seedgrid::protocol
