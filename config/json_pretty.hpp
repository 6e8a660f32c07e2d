#pragma once
// Pretty-printed JSON (two-space indent, keys in the object's own order) for configs people read.
#include <boost/json/value.hpp>

#include <string>

namespace seedgrid::config {
std::string pretty_json(const boost::json::value& value);
// A double as a person writes it: 30, 0.1, 2 (Boost.JSON writes 3E1, 1E-1, 2E0).
std::string number_text(double x);
}
