#pragma once
// The numbers a message can carry: zero or a normal float/double. CAF 0.17's encoder loops forever
// on an infinity and garbles subnormals (see inspect.hpp, which refuses them on the wire); these
// checks let whoever builds a message refuse such a value first, with a message naming the field
// and the value, rather than handing it to the wire.
#include <string_view>

#include "models/result.hpp"
#include "runtime/base/protocol/request.hpp"

namespace seedgrid::protocol {

bool wire_number_ok(float value);
bool wire_number_ok(double value);

// "--cfg must be a finite number (0, or at least 1.2e-38 in magnitude), found inf"; `as_given`
// names the value as the user wrote it (1e308 becomes inf as a float) when there is such a text.
Result<void> check_wire_number(std::string_view field, float value, std::string_view as_given = {});
Result<void> check_wire_number(std::string_view field, double value,
                               std::string_view as_given = {});

// Every float field of a request a client builds (today: guidance).
Result<void> check_wire_numbers(const GenerateRequest& request);

}  // namespace seedgrid::protocol
